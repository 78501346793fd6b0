package seedcsv_test

import (
	"errors"
	"fmt"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/seedcsv"
)

// ExampleRead reads a seed-notebook CSV with bad lines. By default the read fails with one
// error that lists every bad line; with SkipBadLines the rest loads, and the report lists the lines
// left out and the labels of undeclared groups that were ignored.
func ExampleRead() {
	groups := []datasets.GroupSpec{{Name: "clothing_category"}, {Name: "major_color"}, {Name: "wearing_hat"}}
	shape := datasets.ImageShape{Channels: 3, Height: 8, Width: 8}
	const csv, images = "../../testdata/attributes/dirty.csv", "../../testdata/attributes/images"
	_, _, err := seedcsv.Read(csv, images, groups, shape, datasets.LoadOptions{Workers: 4})
	if bad, ok := errors.AsType[*datasets.BadLinesError](err); ok {
		for _, s := range bad.Lines {
			fmt.Printf("bad line %d %q\n", s.Line, s.Image)
		}
	}
	a, report, err := seedcsv.Read(csv, images, groups, shape, datasets.LoadOptions{Workers: 4, SkipBadLines: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d of %d lines kept: %q\n", report.Kept, report.Lines, a.Files)
	for _, s := range report.Skipped[6:8] {
		fmt.Printf("skipped line %d: %s\n", s.Line, s.Reason)
	}
	fmt.Printf("ignored: %+v\n", report.Ignored)
	// Output:
	// bad line 3 "blue.jpg"
	// bad line 4 "grey.png"
	// bad line 5 ""
	// bad line 7 "blue.jpg"
	// bad line 8 "nothere.png"
	// bad line 9 "corrupt.png"
	// bad line 14 "truncated.png"
	// 4 of 13 lines kept: ["red.png" "split.png" "blue.jpg" "grey.png"]
	// skipped line 10: 2 labels in group major_color: red, gray
	// skipped line 11: image already listed on line 2
	// ignored: [{Prefix:clothing_categroy_ Lines:1} {Prefix:colour_ Lines:4} {Prefix:hat Lines:1} {Prefix:sleevelength_ Lines:1}]
}
