module github.com/relnet/relnet

go 1.26.8

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/sugarme/gotch v0.9.1
	github.com/urfave/cli/v2 v2.27.7
	golang.org/x/image v0.30.0
	gonum.org/v1/gonum v0.17.0
)

require (
	github.com/cpuguy83/go-md2man/v2 v2.0.7 // indirect
	github.com/russross/blackfriday/v2 v2.1.0 // indirect
	github.com/xrash/smetrics v0.0.0-20240521201337-686a1a2994c1 // indirect
)
