package streetstyle_test

import (
	"fmt"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/streetstyle"
)

// ExampleRead loads the people of a StreetStyle-27K manifest excerpt as 3×32×32
// crops with two attribute groups, then views one group as a labelled image set for episodes.
func ExampleRead() {
	groups := []datasets.GroupSpec{{Name: "clothing_category"}, {Name: "wearing_hat"}}
	shape := datasets.ImageShape{Channels: 3, Height: 32, Width: 32}
	a, report, err := streetstyle.Read("../../testdata/attributes/streetstyle27k.manifest",
		"../../testdata/attributes/streetstyle", groups, shape, datasets.LoadOptions{Workers: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d of %d rows kept, %d pixel values\n", report.Kept, report.Lines, len(a.Pixels))
	for _, g := range a.Groups {
		fmt.Println(g.Name, g.Values, g.Labels)
	}
	hats := a.Images(1)
	fmt.Println(hats.Name, hats.ClassNames, hats.Len(), "images")
	// Output:
	// 4 of 4 rows kept, 12288 pixel values
	// clothing_category [Dress T-shirt Tank top] [1 0 -1 2]
	// wearing_hat [No Yes] [0 -1 1 0]
	// streetstyle27k.manifest/wearing_hat [No Yes] 4 images
}
