# The FPT train step of `npm run bench -- cpu` in PyTorch, on the CPU, for the same run's third column.
# GPT-2-shaped blocks (pre-norm, tanh GELU, causal attention) with random weights, frozen except their
# layer norms; trainable input Linear (16 -> D), positions [T, D], final norm and output head (D -> 10)
# read from the last token; no dropout; cross-entropy, gradient clipping at 1, Adam (lr 1e-3, eps 1e-8).
# Usage: python3 bench/torch_fpt_step.py L=2 D=64 H=4 B=16 T=10 steps=30 warmup=5 [threads=N]
# Prints one JSON line: every timed step's ms, their median, and the thread count torch used.
import json, math, sys, time

import torch
import torch.nn.functional as F

opts = dict(arg.split("=", 1) for arg in sys.argv[1:])
num = lambda key, default: int(opts.get(key, default))
if "threads" in opts:
    torch.set_num_threads(num("threads", 1))
L, D, H, B, T = num("L", 2), num("D", 64), num("H", 4), num("B", 16), num("T", 10)
steps, warmup, d_in, classes = num("steps", 30), num("warmup", 5), 16, 10
torch.manual_seed(0)


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.ln_2 = torch.nn.LayerNorm(D), torch.nn.LayerNorm(D)
        self.c_attn, self.c_proj = torch.nn.Linear(D, 3 * D), torch.nn.Linear(D, D)
        self.c_fc, self.mlp_proj = torch.nn.Linear(D, 4 * D), torch.nn.Linear(4 * D, D)

    def forward(self, h, mask):
        q, k, v = self.c_attn(self.ln_1(h)).view(B, T, 3, H, D // H).permute(2, 0, 3, 1, 4)
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D // H) + mask, dim=-1)
        h = h + self.c_proj((probs @ v).transpose(1, 2).reshape(B, T, D))
        return h + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(h)), approximate="tanh"))


blocks = torch.nn.ModuleList(Block() for _ in range(L))
for name, p in blocks.named_parameters():
    p.requires_grad_(".ln_" in name)  # "0.ln_1.weight": only the layer norms train
ln_f, inp, out = torch.nn.LayerNorm(D), torch.nn.Linear(d_in, D), torch.nn.Linear(D, classes)
wpe = torch.nn.Parameter(0.02 * torch.randn(T, D))
trainable = [p for p in [*blocks.parameters(), *ln_f.parameters(), *inp.parameters(), *out.parameters(), wpe] if p.requires_grad]
adam = torch.optim.Adam(trainable, lr=1e-3, eps=1e-8)
mask = torch.triu(torch.full((T, T), -1e9), diagonal=1)
x, y = torch.rand(B, T, d_in), torch.arange(B) % classes


def step():
    h = inp(x) + wpe
    for block in blocks:
        h = block(h, mask)
    loss = F.cross_entropy(out(ln_f(h)[:, -1]), y)
    adam.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(trainable, 1.0)
    adam.step()
    return loss.item()


times = []
for i in range(warmup + steps):
    start = time.perf_counter()
    step()
    if i >= warmup:
        times.append((time.perf_counter() - start) * 1000)
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "train_step_ms": times, "train_step_ms_median": sorted(times)[len(times) // 2],
                  "trainable_params": sum(p.numel() for p in trainable)}))
