// Package report turns an experiment's results folder into the comparison a researcher puts
// in a paper: the finished runs gathered by row (variant and grid point, seeds pooled), mean
// accuracy ± 95% CI per group beside the pixel floor, paired differences to the baseline on
// the same test episodes, as terminal and Markdown tables, and the plots (accuracy,
// validation curves, forest plots of the differences, loss) as PNG, SVG and PDF. It reads
// only result files (package results), never tensors, so it runs without libtorch.
package report
