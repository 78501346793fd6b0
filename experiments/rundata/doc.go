// Package rundata turns a run's [dataset] settings into what it samples from. A Loader
// decodes each data set once per experiment (in memory, and in a checked cache file under the
// results root that other processes reuse, with a lock so that processes started together
// decode once); New splits it by image or by class (names, globs or ids, per group with
// several groups, held-out images never reaching training), normalises it, and builds one
// train, validation and test sampler per attribute group. Pure Go: it links no libtorch.
package rundata
