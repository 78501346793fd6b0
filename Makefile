# relnet: the two commands of the README are `make run` and `make test`. Each installs what is
# missing (libtorch 2.1, the CPU build of gotch, Fashion-MNIST) through scripts/setup.sh first;
# `make test` also installs Debian's Slurm and MUNGE (scripts/setup-slurm.sh) for the test that
# runs scripts/slurm-array.sh on a real one-node cluster, and Debian's Chromium
# (scripts/setup-chromium.sh) for relnet serve's browser test.
SHELL := /bin/bash
QUICKSTART := experiments/quickstart.toml

.PHONY: setup build run heads-ablation fewshot test test-cuda fuzz bench bench-pretrain bench-relnet bench-predict export-check

# RELNET_CUDA=1 (make build, run, test, …): the CUDA-linked build that scripts/setup.sh sets up.
# Go reads go.cuda.work instead of go.work (gotch's CUDA copy), and relnet's own cgo shim
# (tensors/runtime.go) finds the headers and libraries of .libtorch-cuda ahead of .libtorch's;
# the CPU build's files and Go's build cache for it stay as they are.
ifeq ($(RELNET_CUDA),1)
CUDA_LIBTORCH := $(CURDIR)/.libtorch-cuda
export GOWORK := $(CURDIR)/go.cuda.work
export CGO_CXXFLAGS := $(or $(CGO_CXXFLAGS),-g -O2) -I$(CUDA_LIBTORCH)/include -I$(CUDA_LIBTORCH)/include/torch/csrc/api/include
export CGO_LDFLAGS := $(or $(CGO_LDFLAGS),-g -O2) -L$(CUDA_LIBTORCH)/lib
endif

setup:
	@bash scripts/setup.sh

build: setup
	go build -o bin/relnet ./cmd/relnet

# Train the quick-start Relation Network on Fashion-MNIST, score it beside the pixel floor,
# and write its report (results/quickstart/report.md, plots/).
run: build
	./bin/relnet run $(QUICKSTART)
	./bin/relnet report results/quickstart

# The heads ablation whose report the README shows (results/heads-ablation/report.md).
heads-ablation: build
	./bin/relnet run experiments/heads-ablation.toml
	./bin/relnet report results/heads-ablation

# True few-shot on unseen classes of an Omniglot-like set (docs/data.md): generates the set, trains
# the Conv-4 relation network on 210 characters, tests on 75 of five held-out alphabets.
fewshot: build
	./bin/relnet glyphs --out results/data/glyphs
	./bin/relnet run experiments/fewshot-glyphs.toml
	./bin/relnet report results/fewshot-glyphs

# The tests that need a CPU feature skip where it is missing, naming it; `go test` hides
# skips, so their verdicts on this CPU are printed again at the end. RELNET_TEST_CPU_WITHOUT=
# avx512_bf16,amx_bf16 make test runs the suite as on a CPU without bf16.
CPU_FEATURE_TESTS := '^TestBF16'
test: setup
	@bash scripts/setup-slurm.sh
	@bash scripts/setup-chromium.sh
	go vet ./...
	go test -count=1 -timeout 60m ./...
	$(MAKE) --no-print-directory fuzz
	@echo "make test: the tests that depend on CPU features, on this CPU$${RELNET_TEST_CPU_WITHOUT:+ less $$RELNET_TEST_CPU_WITHOUT}:"
	@set -o pipefail; go test -count=1 -v -run $(CPU_FEATURE_TESTS) ./model | grep -E -- '^ *(--- |model_test.go:[0-9]+: this CPU)'

# The CUDA-linked build's CPU path, on a machine with or without a GPU: sets it up
# (RELNET_CUDA=1) and runs the test suite against it, with tensors' TestCUDALinkedBuild,
# which then fails unless libtorch_cuda is loaded into the test process. Left out:
# experiments/runner (three minutes of training runs) and scripts (Slurm and Kubernetes).
CUDA_TEST_PACKAGES := ./arch ./tensors ./layers ./heads ./losses ./model/... ./backbone ./predict \
	./export ./bench ./cmd/relnet ./datasets/... ./synth/... ./internal/... ./experiments \
	./experiments/build ./experiments/report ./experiments/results ./experiments/rundata \
	./experiments/spec ./docs
test-cuda:
ifeq ($(RELNET_CUDA),1)
	@bash scripts/setup.sh
	RELNET_EXPECT_CUDA_LINKED=1 go test -count=1 -timeout 30m $(CUDA_TEST_PACKAGES)
else
	@$(MAKE) --no-print-directory RELNET_CUDA=1 test-cuda
endif

# Fuzz every reader for a bounded number of inputs (FUZZ_INPUTS each). A count rather than a
# time: under load, Go's time-bounded fuzzing can fail with "context deadline exceeded".
FUZZ_INPUTS ?= 2000
fuzz: setup
	go test -run '^$$' -fuzz '^FuzzDecodeIDX$$' -fuzztime $(FUZZ_INPUTS)x ./datasets/fashionmnist
	go test -run '^$$' -fuzz '^FuzzReadSeedCSV$$' -fuzztime $(FUZZ_INPUTS)x ./datasets/seedcsv
	go test -run '^$$' -fuzz '^FuzzReadStreetStyleManifest$$' -fuzztime $(FUZZ_INPUTS)x ./datasets/streetstyle
	go test -run '^$$' -fuzz '^FuzzReadFolder$$' -fuzztime $(FUZZ_INPUTS)x ./datasets/folder
	go test -run '^$$' -fuzz '^FuzzReadMiniImageNet$$' -fuzztime $(FUZZ_INPUTS)x ./datasets/miniimagenet
	go test -run '^$$' -fuzz '^FuzzReadCUB$$' -fuzztime $(FUZZ_INPUTS)x ./datasets/cub
	go test -run '^$$' -fuzz '^FuzzDecodeImage$$' -fuzztime $(FUZZ_INPUTS)x ./datasets
	go test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZ_INPUTS)x ./datasets/cache
	go test -run '^$$' -fuzz '^FuzzClassListsResolve$$' -fuzztime $(FUZZ_INPUTS)x ./datasets/sampling
	go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZ_INPUTS)x ./experiments/spec

# relnet against the same network in PyTorch on the same libtorch (bench/README.md), fp32 then
# bf16 (only where the CPU computes bf16 natively, as relnet version says), against each peer
# (compare.py's PEERS), medians of 3 alternating repeats: installs
# the peer's torch==2.1.0 venv in the cache first. RELNET_BENCH_MARKDOWN=FILE also appends the
# table as Markdown.
bench: build
	@bash bench/setup.sh
	python3 bench/compare.py --repeats 3 --train-episodes 20 --eval-episodes 40
	@if ./bin/relnet version | grep -q '^bf16 *native'; then \
	  echo "python3 bench/compare.py --repeats 3 --train-episodes 20 --eval-episodes 40 --precision bf16"; \
	  python3 bench/compare.py --repeats 3 --train-episodes 20 --eval-episodes 40 --precision bf16; \
	else \
	  echo "make bench: the bf16 half skipped: $$(./bin/relnet version | sed -n 's/^cpu *//p') computes no bfloat16 natively (it lists neither avx512_bf16 nor amx_bf16)"; \
	fi

# The pretraining stage's supervised step against the same network and SGD step in PyTorch
# (NCHW and channels_last) on the same libtorch: images/s at 28×28×1 and 84×84×3, 1 and 2
# threads, medians of 3 alternating repeats (bench/README.md). RELNET_BENCH_MARKDOWN as above.
bench-pretrain: build
	@bash bench/setup.sh
	python3 bench/compare.py --pretrain --repeats 3 --steps 10

# relnet's own benchmark: RSS over a long training run, then episodes/s.
bench-relnet: build
	./bin/relnet bench

# Images/s of `relnet predict` (1,000 query PNGs against a 5-way 5-shot support, decoding
# included) at 28×28×1 and 84×84×3, with 1 and 2 threads.
bench-predict: build
	./bin/relnet bench predict

# The walkthrough of docs/predict-export.md on the quick-start run (`make run` first): Fashion-MNIST test
# images as a support folder and queries, `relnet predict`, `relnet export`, and the check
# that PyTorch, loading the export into bench/peer.py's modules, gives the same logits.
RELNET_CACHE ?= $(HOME)/.cache/relnet
QUICKSTART_RUN := results/quickstart/base-seed1
DEMO := results/predict-demo
export-check: build
	@test -f $(QUICKSTART_RUN)/best.ckpt || { echo "export-check: no $(QUICKSTART_RUN)/best.ckpt; run make run first" >&2; exit 1; }
	./bin/relnet data folder --out $(DEMO)/support --per-class 5
	./bin/relnet data folder --out $(DEMO)/queries --from 5 --per-class 100
	./bin/relnet predict --support $(DEMO)/support --query $(DEMO)/queries --out $(DEMO)/predictions.csv $(QUICKSTART_RUN)
	./bin/relnet predict --support $(DEMO)/support --query $(DEMO)/queries --logits --format jsonl --out $(DEMO)/logits.jsonl $(QUICKSTART_RUN)
	./bin/relnet export --out $(DEMO)/model.safetensors $(QUICKSTART_RUN)
	@bash bench/setup.sh
	$(RELNET_CACHE)/peer-venv/bin/python bench/export_check.py --model $(DEMO)/model.safetensors --support $(DEMO)/support --predictions $(DEMO)/logits.jsonl
