"""Times PyTorch's FP8 GEMM (torch._scaled_mm: cuBLASLt on Hopper) at the given M,N,K problems, as a
reference point beside evotune's GEMM kernels: A [M,K] e4m3 row-major, B^T [N,K] e4m3 (B = B^T.t(),
column-major, as _scaled_mm requires), per-tensor scales, fp16 out, bias [N] in fp16 (_scaled_mm
takes an fp16 bias with fp16 out). Kernel time by CUDA events around each call, L2 flushed before
each (a 512 MB memset outside the timed region), median of 100 after 10 warm-ups; also warm (no
flush). Usage: scaled_mm.py M,N,K ..."""
import sys
import torch


def time_it(fn, flush, reps=100, warmup=10):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        if flush is not None:
            flush.zero_()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) * 1000.0)
    times.sort()
    return times[len(times) // 2]


def main():
    dev = torch.device("cuda")
    flush = torch.empty(512 << 20, dtype=torch.uint8, device=dev)
    print(f"{'problem':>20} {'flushed us':>11} {'warm us':>9} {'TFLOP/s':>8}")
    for text in sys.argv[1:]:
        m, n, k = (int(x) for x in text.split(","))
        a = torch.randn(m, k, device=dev).to(torch.float8_e4m3fn)
        bt = torch.randn(n, k, device=dev).to(torch.float8_e4m3fn)
        bias = (0.5 * torch.randn(n, device=dev)).to(torch.float16)
        one = torch.tensor(1.0 / k ** 0.5, device=dev)
        unit = torch.tensor(1.0, device=dev)
        fn = lambda: torch._scaled_mm(a, bt.t(), scale_a=one, scale_b=unit, bias=bias, out_dtype=torch.float16)
        cold = time_it(fn, flush)
        warm = time_it(fn, None)
        print(f"{text:>20} {cold:11.2f} {warm:9.2f} {2 * m * n * k / cold / 1e6:8.1f}")


if __name__ == "__main__":
    main()
