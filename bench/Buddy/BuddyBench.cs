using BenchmarkDotNet.Attributes;
using MMSpec.Impl.Buddy;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Bench.Buddy;

/// <summary>
/// A mixed alloc/free workload in steady state: 2048 slots, each step frees a random slot's block (if any) and
/// allocates a new one of a random order (mostly small, up to order 4) there. One step is two operations.
/// The sequence of slots and orders is fixed (xorshift from a constant seed), so every run does the same work.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class BuddyBench
{
    private const int Slots = 2048;
    private const int Steps = 4096;

    private readonly int[] _slot = new int[Steps];
    private readonly Order[] _order = new Order[Steps];
    private readonly Pfn[] _live = new Pfn[Slots];
    private readonly Order[] _liveOrder = new Order[Slots];
    private readonly bool[] _occupied = new bool[Slots];
    private IBuddyAllocator _buddy = null!;

    /// <summary>log2 of the frame count: 2^14 (64 MiB), 2^20 (4 GiB), 2^24 (64 GiB).</summary>
    [Params(14, 20, 24)]
    public int FrameShift { get; set; }

    /// <summary>impl (Linux head-of-list placement), impl-lowest (lowest-address placement), model.</summary>
    [Params("impl", "impl-lowest", "model")]
    public string Side { get; set; } = "impl";

    [GlobalSetup]
    public void Setup()
    {
        var layout = MemoryLayout.X86(1UL << FrameShift);
        _buddy = Side switch
        {
            "impl" => new BuddyAllocator(layout, Placement.HeadOfList),
            "impl-lowest" => new BuddyAllocator(layout, Placement.LowestAddress),
            _ => new BuddyModel(layout),
        };
        var state = 0x2545F4914F6CDD1DUL;
        for (var i = 0; i < Steps; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            _slot[i] = (int)(state % Slots);
            var pick = (int)((state >> 20) % 100);
            _order[i] = new Order(pick switch { < 50 => 0, < 75 => 1, < 88 => 2, < 95 => 3, _ => 4 });
        }

        MixedAllocFree();
    }

    [Benchmark(OperationsPerInvoke = 2 * Steps)]
    public void MixedAllocFree()
    {
        for (var i = 0; i < Steps; i++)
        {
            var slot = _slot[i];
            if (_occupied[slot])
            {
                _buddy.FreePages(_live[slot], _liveOrder[slot]);
            }

            var result = _buddy.AllocPages(_order[i], ZoneType.Normal);
            _occupied[slot] = result.IsOk;
            if (result.IsOk)
            {
                _live[slot] = result.Value;
                _liveOrder[slot] = _order[i];
            }
        }
    }
}
