// Package serve is `relnet serve`: a read-only web dashboard over a results folder. It lists
// the experiments with the state of their runs, shows an experiment's runs, live curves and
// the comparison that experiments/report computes, and a run's configuration, data report,
// curves and evaluation. Every file is opened through an os.Root on the results folder (no
// path leaves it, symlinks included), read incrementally as it grows, and never written;
// the pages and their script are embedded, and every name from the files is escaped.
package serve
