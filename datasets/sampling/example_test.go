package sampling_test

import (
	"context"
	"fmt"

	"github.com/relnet/relnet/datasets"
	"github.com/relnet/relnet/datasets/sampling"
)

// ExampleSampler splits a small labelled set by class and streams 5-way 1-shot episodes from the
// training classes, with random rotations and normalisation by the training pool's statistics.
func ExampleSampler() {
	im := &datasets.Images{Name: "toy", Channels: 1, Height: 8, Width: 8}
	for c := range 10 {
		im.ClassNames = append(im.ClassNames, fmt.Sprint("class ", c))
	}
	for i := range 200 {
		im.Labels = append(im.Labels, i%10)
		for p := range 64 {
			im.Pixels = append(im.Pixels, float32((i*p)%17)/16)
		}
	}
	train, _, test, err := sampling.SplitByClass(im, []int{0, 1, 2, 3, 4, 5}, nil, []int{6, 7, 8, 9})
	if err != nil {
		fmt.Println(err)
		return
	}
	mean, std := train.Stats()
	spec := sampling.EpisodeSpec{Way: 5, Shot: 1, Query: 3}
	s, err := sampling.NewSampler(train, spec, sampling.Augment{Mean: mean, Std: std, RotateDegrees: 15}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	for e := range s.Stream(context.Background(), 0, 2, 2, 4) {
		fmt.Printf("episode %d: %d support and %d query images of %d×%d×%d\n",
			e.Index, len(e.SupportIDs), len(e.QueryIDs), e.Channels, e.Height, e.Width)
	}
	fmt.Println(spec.Validate(test))
	// Output:
	// episode 0: 5 support and 15 query images of 1×8×8
	// episode 1: 5 support and 15 query images of 1×8×8
	// toy: a 5-way 1-shot 3-query episode needs 5 classes, and this split has 4 (class 6, class 7, class 8, class 9); lower the way or give the split more classes
}
