"""The PyTorch peer of `relnet bench` (issue #5): the same Conv-4 Relation Network and the same
training step, written the way the original LearningToCompare_FSL code writes it, on PyPI's
torch 2.1.0 (whose libtorch_cpu.so is the library relnet links).

    python bench/peer.py [--case 1] [--case 2] [--threads 1] [--threads 2]
                         [--train-episodes 100] [--eval-episodes 200]

prints one JSON line per (case, threads), with the keys of `relnet bench --json`. Run one
(case, threads) per process for a peak RSS of that case alone (bench/compare.py does).

    python bench/peer.py --pretrain [--case N] [--threads N] [--steps 20] [--channels-last]

times the supervised step of relnet's [pretrain] stage instead (Pretrainer below: the same
Conv-4, adaptive average pooling, an nn.Linear per attribute group, nn.CrossEntropyLoss,
torch.optim.SGD with momentum 0.9 and weight decay 5e-4, batches of 64) on PRETRAIN_CASES,
with the keys of `relnet bench pretrain --json`: a bank of 8 batches of Gaussian images with
uniformly drawn labels, 5 untimed warm-up steps, then the timed ones.

What is the same as relnet (read from backbone/conv4.go, heads/relation.go, layers/, model/,
losses/, bench/bench.go and tensors/shim.cpp):
  - backbone: four blocks of 3×3 conv (64 filters, bias) → BatchNorm (eps 1e-5, momentum 0.1)
    → ReLU; blocks 1–2 unpadded with a 2×2 max-pool, blocks 3–4 padded by 1, no pool;
  - relation module: two blocks of 3×3 conv (64) → BN → ReLU → 2×2 max-pool, padding "auto"
    (0 when the feature map survives it, else 1: 1 at 28×28, 0 at 84×84), FC → 8 → ReLU →
    FC → 1; scores = sigmoid, loss = MSE (mean) against one-hot targets;
  - K-shot class map = sum of the K support maps (no sum at K = 1);
  - initialisation: conv N(0, sqrt(2/(9·out))), conv bias 0, BN 1/0, linear N(0, 0.01), bias 1;
  - all images of an episode (support then queries) through the backbone in one call;
  - step: zero grads, forward (BN train), loss read back (relnet checks it is finite),
    backward, clip the joint gradient L2 norm to 0.5, Adam lr 1e-3 (β 0.9/0.999, ε 1e-8);
  - eval: no-grad forward with BN in eval mode (running statistics), logits read back;
  - episodes: a bank of 8 Gaussian synthetic episodes, 5 untimed warm-up training steps, then
    the timed training episodes, then the timed evaluation episodes on the same bank.

Where the peer differs, on purpose (it is the "straightforward" implementation):
  - the relation module runs on the channel concatenation [class map ; query map] for all
    N·M pairs (relnet runs the first conv once on the N class maps and once on the M query
    maps and broadcast-adds them: the same values, fewer FLOPs);
  - max-pooling is nn.MaxPool2d in training and evaluation (relnet evaluates with two
    elementwise maxima);
  - torch.optim.Adam and nn.utils.clip_grad_norm_ (relnet: its own C++ loop, the same
    arithmetic); zero_grad() sets gradients to None, torch 2.x's default;
  - BN momentum 0.1 like relnet (the original code used momentum=1); one optimizer and one
    joint clipping for the whole network (the original had one per module, each clipped
    separately); the original ran the encoder twice (support, then queries), which changes
    the BatchNorm batches, so the peer makes one call like relnet;
  - the synthetic pixels come from torch's generator, not Go's (same distribution);
  - BatchNorm2d also counts num_batches_tracked (one tiny op per BN layer per step).
"""

import argparse
import ctypes
import json
import math
import resource
import sys
import time
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")  # the peer needs no NumPy
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

# bench.Cases: (name, C, H, W, way, shot, query per class)
CASES = [
    ("28×28×1 5-way 1-shot 19 queries", 1, 28, 28, 5, 1, 19),
    ("84×84×3 5-way 5-shot 10 queries", 3, 84, 84, 5, 5, 10),
]
FILTERS, HIDDEN, BN_MOMENTUM = 64, 8, 0.1
LR, CLIP_NORM, WARMUP, BANK = 1e-3, 0.5, 5, 8


def block(cin, cout, padding, pool):
    layers = [nn.Conv2d(cin, cout, 3, padding=padding), nn.BatchNorm2d(cout, momentum=BN_MOMENTUM), nn.ReLU()]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class CNNEncoder(nn.Module):
    def __init__(self, channels, filters=FILTERS):
        super().__init__()
        self.layer1 = block(channels, filters, 0, True)
        self.layer2 = block(filters, filters, 0, True)
        self.layer3 = block(filters, filters, 1, False)
        self.layer4 = block(filters, filters, 1, False)

    def forward(self, x):
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


def relation_side(n, pad):
    """Spatial side after the relation module's two conv + pool blocks (< 1: too small)."""
    for _ in range(2):
        n = (n + 2 * pad - 2) // 2
    return n


class RelationNetwork(nn.Module):
    def __init__(self, feat_c, feat_h, feat_w, filters=FILTERS, hidden=HIDDEN, padding="auto"):
        super().__init__()
        for pad in (0, 1) if padding == "auto" else (int(padding),):  # relnet's [heads] padding
            h, w = relation_side(feat_h, pad), relation_side(feat_w, pad)
            if h >= 1 and w >= 1:
                break
        self.layer1 = block(2 * feat_c, filters, pad, True)
        self.layer2 = block(filters, filters, pad, True)
        self.fc1 = nn.Linear(filters * h * w, hidden)
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, x):
        out = self.layer2(self.layer1(x))
        out = out.reshape(out.size(0), -1)
        out = F.relu(self.fc1(out))
        return self.fc2(out)  # pre-sigmoid, like relnet's Logits


def weights_init(m):  # LearningToCompare_FSL's weights_init = relnet's layers init
    if isinstance(m, nn.Conv2d):
        n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
        m.weight.data.normal_(0, math.sqrt(2.0 / n))
        m.bias.data.zero_()
    elif isinstance(m, nn.BatchNorm2d):
        m.weight.data.fill_(1)
        m.bias.data.zero_()
    elif isinstance(m, nn.Linear):
        m.weight.data.normal_(0, 0.01)
        m.bias.data = torch.ones(m.bias.data.size())


def max_pool2(x):
    """relnet's evaluation max-pool (layers.MaxPool2): 2×2, stride 2, floor mode, as the
    elementwise maximum of even and odd rows, then of even and odd columns."""
    h, w = x.size(2) // 2 * 2, x.size(3) // 2 * 2
    x = torch.maximum(x[:, :, 0:h:2], x[:, :, 1:h:2])
    return torch.maximum(x[:, :, :, 0:w:2], x[:, :, :, 1:w:2])


def relation_split(rel, classes, queries, train):
    """relnet's formulation of the relation module (heads/relation.go): the first conv's
    weight split along its input channels, applied once to the N class maps and once to the M
    query maps, and broadcast-added for the N·M pairs (the values of the conv on the
    concatenation, with fewer FLOPs); max-pooling as relnet at evaluation."""
    conv, bn = rel.layer1[0], rel.layer1[1]
    c = classes.size(1)
    a = F.conv2d(classes, conv.weight[:, :c], None, padding=conv.padding)
    b = F.conv2d(queries, conv.weight[:, c:], conv.bias, padding=conv.padding)
    n, m = a.size(0), b.size(0)
    pairs = (b.unsqueeze(1) + a.unsqueeze(0)).reshape(m * n, *a.shape[1:])
    if queries.is_contiguous(memory_format=torch.channels_last):
        pairs = pairs.contiguous(memory_format=torch.channels_last)
    pool = (lambda x: F.max_pool2d(x, 2)) if train else max_pool2
    x = pool(F.relu(bn(pairs)))
    conv2, bn2 = rel.layer2[0], rel.layer2[1]
    x = pool(F.relu(bn2(conv2(x))))
    x = F.relu(rel.fc1(x.flatten(1)))
    return rel.fc2(x).view(m, n)


class Peer:
    """The peer in one of its settings: formulation "paper" (LearningToCompare_FSL's
    concatenated pairs) or "relnet" (relation_split); channels_last memory format; bf16
    autocast (torch.autocast("cpu", torch.bfloat16), fp32 weights and optimiser)."""

    def __init__(self, c, h, w, way, shot, query, formulation="paper", channels_last=False, bf16=False):
        self.way, self.shot, self.query = way, shot, query
        self.formulation, self.channels_last, self.bf16 = formulation, channels_last, bf16
        self.encoder = CNNEncoder(c)
        with torch.no_grad():
            feat = self.encoder.eval()(torch.zeros(2, c, h, w))
        self.fc, self.fh, self.fw = feat.shape[1:]
        self.relation = RelationNetwork(self.fc, self.fh, self.fw)
        self.encoder.apply(weights_init)
        self.relation.apply(weights_init)
        if channels_last:
            self.encoder.to(memory_format=torch.channels_last)
            self.relation.to(memory_format=torch.channels_last)
        params = list(self.encoder.parameters()) + list(self.relation.parameters())
        self.params = params
        self.optim = torch.optim.Adam(params, lr=LR)

    def logits(self, support, queries):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            return self._logits(support, queries).float()

    def _logits(self, support, queries):
        n, k = self.way, self.shot
        images = torch.cat((support, queries), 0)
        if self.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        feats = self.encoder(images)
        sample_features, batch_features = feats[: n * k], feats[n * k :]
        if k > 1:
            sample_features = sample_features.reshape(n, k, self.fc, self.fh, self.fw)
            sample_features = torch.sum(sample_features, 1).squeeze(1)
        if self.formulation == "relnet":
            return relation_split(self.relation, sample_features, batch_features, self.encoder.training)
        m = batch_features.size(0)
        # The original's pairing: every (query, class) as a 2C-channel concatenation.
        sample_features_ext = sample_features.unsqueeze(0).repeat(m, 1, 1, 1, 1)
        batch_features_ext = batch_features.unsqueeze(0).repeat(n, 1, 1, 1, 1)
        batch_features_ext = torch.transpose(batch_features_ext, 0, 1)
        relation_pairs = torch.cat((sample_features_ext, batch_features_ext), 2).reshape(-1, self.fc * 2, self.fh, self.fw)
        return self.relation(relation_pairs).view(-1, n)  # [M, N]

    def train_step(self, ep):
        support, queries, labels = ep
        self.encoder.train()
        self.relation.train()
        self.optim.zero_grad()
        relations = torch.sigmoid(self.logits(support, queries))
        one_hot_labels = torch.zeros(labels.size(0), self.way).scatter_(1, labels.view(-1, 1), 1)
        loss = F.mse_loss(relations, one_hot_labels)
        value = loss.item()
        if not math.isfinite(value):
            return value
        loss.backward()
        nn.utils.clip_grad_norm_(self.params, CLIP_NORM)
        self.optim.step()
        return value

    def eval_step(self, ep):
        support, queries, labels = ep
        self.encoder.eval()
        self.relation.eval()
        with torch.no_grad():
            logits = self.logits(support, queries)
            return (logits.argmax(1) == labels).sum().item() / labels.size(0)


def random_episodes(c, h, w, way, shot, query, n):
    g = torch.Generator().manual_seed(1)
    labels = torch.arange(way * query) // query
    return [
        (torch.randn(way * shot, c, h, w, generator=g), torch.randn(way * query, c, h, w, generator=g), labels)
        for _ in range(n)
    ]


# bench.PretrainCases: (name, C, H, W, classes); spec.Default()'s [pretrain]: batch, lr, momentum,
# weight decay.
PRETRAIN_CASES = [
    ("28×28×1 10 classes", 1, 28, 28, 10),
    ("84×84×3 64 classes", 3, 84, 84, 64),
]
PRETRAIN_BATCH, PRETRAIN_LR, MOMENTUM, WEIGHT_DECAY = 64, 0.05, 0.9, 5e-4


class Classifier(nn.Module):
    """The pretraining stage's network (model.Pretrainer): the Conv-4 of CNNEncoder, its
    features averaged over positions (adaptive average pooling), one nn.Linear per attribute
    group over that group's classes."""

    def __init__(self, channels, classes, filters=FILTERS):
        super().__init__()
        self.encoder = CNNEncoder(channels, filters)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.groups = nn.ModuleList(nn.Linear(filters, n) for n in classes)

    def forward(self, x):
        feats = self.pool(self.encoder(x)).flatten(1)
        return [linear(feats) for linear in self.groups]


class Pretrainer:
    """The supervised step of relnet's [pretrain] stage (model.Pretrainer.Step): zero grads,
    forward (BN train), the sum of the groups' cross-entropies, the loss and the predicted
    classes read back (relnet counts the right ones), backward, torch.optim.SGD with
    momentum and weight decay (relnet: tensors.SGDStep, the same rule in its C++ loop)."""

    def __init__(self, c, classes, channels_last=False):
        self.channels_last = channels_last
        self.net = Classifier(c, classes)
        self.net.apply(weights_init)
        if channels_last:
            self.net.to(memory_format=torch.channels_last)
        self.loss = nn.CrossEntropyLoss()
        self.optim = torch.optim.SGD(self.net.parameters(), lr=PRETRAIN_LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)

    def step(self, batch):
        images, labels = batch
        if self.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        self.net.train()
        self.optim.zero_grad()
        loss, correct = 0, 0
        for logits, target in zip(self.net(images), labels):
            loss = loss + self.loss(logits, target)
            correct += (logits.argmax(1) == target).sum().item()
        value = loss.item()
        if not math.isfinite(value):
            sys.exit(f"peer: pretraining loss {value}, so no backward pass would be timed")
        loss.backward()
        self.optim.step()
        return value


def random_batches(c, h, w, classes, n):
    g = torch.Generator().manual_seed(1)
    return [(torch.randn(PRETRAIN_BATCH, c, h, w, generator=g), [torch.randint(classes, (PRETRAIN_BATCH,), generator=g)])
            for _ in range(n)]


def time_pretrain(args, i):
    """Times case i's pretraining steps; returns the fields of its JSON line (the keys of
    `relnet bench pretrain --json`)."""
    name, c, h, w, classes = PRETRAIN_CASES[i - 1]
    torch.manual_seed(1)
    peer = Pretrainer(c, [classes], args.channels_last)
    bank = random_batches(c, h, w, classes, BANK)
    for e in range(WARMUP):
        peer.step(bank[e % BANK])
    start = time.perf_counter()
    for e in range(args.steps):
        peer.step(bank[e % BANK])
    rate = args.steps * PRETRAIN_BATCH / (time.perf_counter() - start)
    return {"case": name, "batch": PRETRAIN_BATCH, "steps": args.steps, "images_per_sec": round(rate, 2)}


def peak_rss_mb():
    """This process's peak resident set size (VmHWM; ru_maxrss where /proc is missing)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def malloc_probe():
    """Checks glibc's malloc settings by their effect (GLIBC_TUNABLES has no read-back): a
    256 MiB request, more than the heap has free at start-up, is served from the brk heap
    (mmap_max = 0) and leaves at least top_pad (64 MiB) free above it, and freeing it does not
    shrink the heap (trim_threshold). arena_max is checked by bench/compare.py. Untouched
    pages, so RSS does not change."""
    libc = ctypes.CDLL(None)
    libc.sbrk.restype = ctypes.c_void_p
    libc.sbrk.argtypes = [ctypes.c_ssize_t]
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    size = 256 << 20
    p = libc.malloc(size)
    end = libc.sbrk(0)
    with open("/proc/self/maps") as f:
        heap = [line for line in f if line.rstrip().endswith("[heap]")]
    lo, hi = (int(x, 16) for x in heap[0].split()[0].split("-")) if heap else (0, 0)
    libc.free(p)
    return {
        "on_heap": lo <= p < hi,
        "top_pad_mb": round((end - p - size) / 2**20, 1) if lo <= p < hi else 0,
        "trimmed": libc.sbrk(0) < end,
    }


def check_formulation(peer, ep):
    """Stops unless relnet's formulation scores an episode as the paper's does (BN in eval
    mode, the same weights): the two peers must time the same network."""
    support, queries, _ = ep
    peer.encoder.eval()
    peer.relation.eval()
    with torch.no_grad():
        split = peer.logits(support, queries)
        peer.formulation = "paper"
        paper = peer.logits(support, queries)
        peer.formulation = "relnet"
    tol = 5e-2 if peer.bf16 else 1e-4
    diff = (split - paper).abs().max().item()
    if diff > tol * max(1.0, paper.abs().max().item()):
        sys.exit(f"peer: the relnet formulation's logits differ from the paper's by {diff:g}")


def time_episodes(args, i):
    """Times case i's training, then evaluation episodes; returns the fields of its JSON line."""
    name, c, h, w, way, shot, query = CASES[i - 1]
    torch.manual_seed(1)
    peer = Peer(c, h, w, way, shot, query, args.formulation, args.channels_last, args.bf16)
    bank = random_episodes(c, h, w, way, shot, query, BANK)
    if args.formulation == "relnet":
        check_formulation(peer, bank[0])
    for e in range(WARMUP):
        peer.train_step(bank[e % BANK])
    start = time.perf_counter()
    for e in range(args.train_episodes):
        peer.train_step(bank[e % BANK])
    train = args.train_episodes / (time.perf_counter() - start)
    start = time.perf_counter()
    for e in range(args.eval_episodes):
        peer.eval_step(bank[e % BANK])
    evals = args.eval_episodes / (time.perf_counter() - start)
    return {"case": name + (" bf16" if args.bf16 else ""), "formulation": args.formulation,
            "train_episodes": args.train_episodes, "eval_episodes": args.eval_episodes,
            "train_eps": round(train, 3), "eval_eps": round(evals, 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--case", type=int, action="append", help="1-based index into the cases (default: all)")
    ap.add_argument("--threads", type=int, action="append", help="intra-op thread counts (default: 1 and 2)")
    ap.add_argument("--train-episodes", type=int, default=100)
    ap.add_argument("--eval-episodes", type=int, default=200)
    ap.add_argument("--formulation", choices=["paper", "relnet"], default="paper",
                    help="paper: concatenated (class, query) pairs; relnet: the split first conv and relnet's evaluation max-pool")
    ap.add_argument("--channels-last", action="store_true", help="model and images in torch.channels_last")
    ap.add_argument("--bf16", action="store_true", help='torch.autocast("cpu", torch.bfloat16) around the forward pass')
    ap.add_argument("--pretrain", action="store_true", help="time the pretraining stage's supervised step on PRETRAIN_CASES instead (fp32)")
    ap.add_argument("--steps", type=int, default=20, help="--pretrain: timed steps per case")
    args = ap.parse_args()
    if args.pretrain and args.bf16:
        sys.exit("peer: --pretrain times fp32 only, as relnet bench pretrain does")
    probe = malloc_probe()
    torch.set_num_interop_threads(1)
    cases, timing = (PRETRAIN_CASES, time_pretrain) if args.pretrain else (CASES, time_episodes)
    for threads in args.threads or [1, 2]:
        torch.set_num_threads(threads)
        for i in args.case or range(1, len(cases) + 1):
            line = {"impl": "peer", **timing(args, i), "channels_last": args.channels_last, "threads": torch.get_num_threads(),
                    "peak_rss_mb": round(peak_rss_mb(), 1), "torch": torch.__version__, "malloc": probe}
            print(json.dumps(line, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    sys.exit(main())
