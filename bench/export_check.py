"""Checks `relnet export` against relnet itself (issue #8): loads the safetensors file into
bench/peer.py's CNNEncoder and RelationNetwork with load_state_dict (strict), scores a support
folder and the query images the way relnet scores an episode (a class map is the sum of the
run's eval.shot support maps; BatchNorm in eval mode), and compares the logits with those that
`relnet predict --logits --format jsonl` wrote for the same images.

    python bench/export_check.py --model model.safetensors --support DIR --predictions FILE \
        [--group NAME] [--tolerance 1e-5]

The images must be PNGs (or JPEGs) at the model's input size: relnet resizes with Go's bilinear
filter, which this check does not reimplement. Decoding otherwise follows relnet's
datasets.DecodeImage (RGB; grey = ITU-R 601 luma computed in float64) and the normalisation
the sidecar records. Prints the largest difference; exits 1 when it exceeds the tolerance.
"""

import argparse
import json
import os
import sys
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer import CNNEncoder, RelationNetwork  # noqa: E402

IMAGE_EXTS = (".png", ".jpg", ".jpeg")


def load_model(path):
    """The encoder, one relation module per group prefix, and the sidecar."""
    with open(os.path.splitext(path)[0] + ".json") as f:
        side = json.load(f)
    if side["heads"]["kind"] not in ("relation", "shared relation"):
        sys.exit(f"{path}: the check covers relation heads, this model has {side['heads']['kind']!r} heads")
    state = load_file(path)
    c, h, w = side["input"]
    encoder = CNNEncoder(c, side["backbone"]["filters"])
    encoder.load_state_dict({k[len("encoder."):]: v for k, v in state.items() if k.startswith("encoder.")})
    encoder.eval()
    with torch.no_grad():
        _, fc, fh, fw = encoder(torch.zeros(1, c, h, w)).shape
    relations = {}
    for group, prefix in side["groups"].items():
        rel = RelationNetwork(fc, fh, fw, side["heads"]["filters"], side["heads"]["hidden"], side["heads"]["padding"])
        rel.load_state_dict({k[len(prefix) + 1:]: v for k, v in state.items() if k.startswith(prefix + ".") and
                             k[len(prefix) + 1:].split(".")[0] in ("layer1", "layer2", "fc1", "fc2")})
        relations[group] = rel.eval()
    return side, encoder, relations


def decode(path, side):
    """One image as relnet's DecodeImage and normalisation give it: [C, H, W] float32."""
    c, h, w = side["input"]
    img = Image.open(path).convert("RGB")
    if img.size != (w, h):
        sys.exit(f"{path} is {img.size[0]}×{img.size[1]}, the model takes {w}×{h}; give images at its size")
    rgb = torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8).view(h, w, 3).to(torch.float64) / 255
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    x = (0.299 * r + 0.587 * g + 0.114 * b).clamp(max=1).unsqueeze(0) if c == 1 else rgb.permute(2, 0, 1)
    x = x.to(torch.float32)
    if side.get("mean"):
        mean = torch.tensor(side["mean"], dtype=torch.float32).view(-1, 1, 1)
        inv = torch.tensor([1 / s for s in side["std"]], dtype=torch.float32).view(-1, 1, 1)
        x = (x - mean) * inv
    return x


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--support", required=True)
    ap.add_argument("--predictions", required=True)
    ap.add_argument("--group")
    ap.add_argument("--tolerance", type=float, default=1e-5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    side, encoder, relations = load_model(args.model)
    group = args.group or next(iter(relations))
    relation = relations[group]

    classes = sorted(d for d in os.listdir(args.support) if os.path.isdir(os.path.join(args.support, d)) and not d.startswith("."))
    with open(args.predictions) as f:
        lines = [json.loads(line) for line in f]
    shot = side["shot"]
    with torch.no_grad():
        maps = []
        for c in classes:
            files = sorted(f for f in os.listdir(os.path.join(args.support, c)) if f.lower().endswith(IMAGE_EXTS))
            feats = encoder(torch.stack([decode(os.path.join(args.support, c, f), side) for f in files]))
            maps.append(feats.sum(0) * (shot / len(files)) if len(files) != shot else feats.sum(0))
        class_maps = torch.stack(maps)  # [N, C, H, W]
        n, parts = class_maps.shape[0], []
        for at in range(0, len(lines), 100):
            queries = encoder(torch.stack([decode(line["image"], side) for line in lines[at:at + 100]]))  # [M, C, H, W]
            m = queries.shape[0]
            pairs = torch.cat((class_maps.unsqueeze(0).expand(m, -1, -1, -1, -1),
                               queries.unsqueeze(1).expand(-1, n, -1, -1, -1)), 2).flatten(0, 1)
            parts.append(relation(pairs).view(m, n))
        logits = torch.cat(parts)
        m = logits.shape[0]
    relnet = torch.tensor([[line["groups"][group]["scores"][c] for c in classes] for line in lines])
    diff = (logits - relnet).abs().max().item()
    agree = (logits.argmax(1) == relnet.argmax(1)).float().mean().item()
    print(f"{m} queries × {n} classes of {group}: largest |PyTorch − relnet| logit difference {diff:.2e} "
          f"(tolerance {args.tolerance:.0e}); predicted classes agree on {100 * agree:.1f}% of queries")
    if diff > args.tolerance:
        sys.exit(1)


if __name__ == "__main__":
    main()
