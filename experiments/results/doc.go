// Package results owns the run directory on disk and the statistics of its numbers: the file
// names, the records of metrics.jsonl, the content of eval.json, plan.json and failed.json,
// atomic writes, the per-run lock, and mean ± 95% CI, paired differences and the paired
// t-test. It is pure Go (no libtorch), so reports and tools read results without the tensor
// code.
package results
