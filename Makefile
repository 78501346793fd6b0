# relnet: the two commands of the README are `make run` and `make test`. Each installs what is
# missing (libtorch 2.1, the CPU build of gotch, Fashion-MNIST) through scripts/setup.sh first.
SHELL := /bin/bash
QUICKSTART := experiments/quickstart.toml

.PHONY: setup build run test bench
setup:
	@bash scripts/setup.sh

build: setup
	go build -o bin/relnet ./cmd/relnet

# Train the quick-start Relation Network on Fashion-MNIST, score it beside the pixel floor,
# and write its report (results/quickstart/report.md, plots/).
run: build
	./bin/relnet run $(QUICKSTART)
	./bin/relnet report results/quickstart

test: setup
	go vet ./...
	go test -count=1 -timeout 60m ./...

bench: build
	./bin/relnet bench
