package sampling

import (
	"fmt"

	"github.com/relnet/relnet/datasets"
)

// RotationClasses returns a pool whose classes are p's classes turned 0, 90, 180 and 270
// degrees: class 4c + r holds p's images of class c turned r quarter turns counter-clockwise.
// It is the Omniglot protocol of few-shot learning (rotations as new classes), which turns 5
// training classes into 20. The rotated images are materialised (4× p's pixels). datasets.Images must
// be square.
func RotationClasses(p *Pool) (*Pool, error) {
	im := p.Images
	if im.Height != im.Width {
		return nil, fmt.Errorf("%s: rotations as classes need square images, these are %s", im.Name, im.ImageShape())
	}
	out := &datasets.Images{Name: im.Name + " ×4 rotations", Channels: im.Channels, Height: im.Height, Width: im.Width}
	for _, name := range im.ClassNames {
		for r := range 4 {
			out.ClassNames = append(out.ClassNames, fmt.Sprintf("%s@%d°", name, 90*r))
		}
	}
	size := im.ImageSize()
	var indices []int
	for _, c := range p.Classes {
		for _, id := range p.ByClass[c] {
			for r := range 4 {
				at := len(out.Pixels)
				out.Pixels = append(out.Pixels, make([]float32, size)...)
				Rotate90(out.Pixels[at:], im.Image(id), im.Channels, im.Height, r)
				indices = append(indices, len(out.Labels))
				out.Labels = append(out.Labels, 4*c+r)
			}
		}
	}
	return NewPool(out, indices), nil
}
