using BenchmarkDotNet.Attributes;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Slab;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;

namespace MMSpec.Bench.Slab;

/// <summary>
/// Steady-state object churn with a fixed number of live objects: each step frees the object in a random slot
/// and allocates a new one there (kmalloc of 8..256 bytes, or kmem_cache_alloc of a 128-byte cache). One step is
/// two operations. The slots and sizes come from a fixed xorshift sequence. The machine has 2^20 frames (4 GiB).
/// The model runs up to 10^4 live objects: it is the readable reference, not built for 10^6.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class SlabBench
{
    private const int Steps = 4096;
    private static readonly ulong[] Sizes = [8, 32, 64, 96, 128, 192, 256];

    private readonly int[] _slot = new int[Steps];
    private readonly ulong[] _size = new ulong[Steps];
    private VirtAddr[] _live = [];
    private ISlabAllocator _slab = null!;
    private CacheId _cache;
    private int _next;

    public static IEnumerable<SlabCase> Cases =>
    [
        new("impl", 1_000), new("impl", 10_000), new("impl", 100_000), new("impl", 1_000_000),
        new("model", 1_000), new("model", 10_000),
    ];

    [ParamsSource(nameof(Cases))]
    public SlabCase Case { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var layout = MemoryLayout.X86(1UL << 20);
        _slab = Case.Side == "impl"
            ? new SlabAllocator(new BuddyAllocator(layout))
            : new SlabModel(new BuddyModel(layout));
        _cache = _slab.KmemCacheCreate("bench-128", 128, 8, null).Value;
        _live = new VirtAddr[Case.Live];
        var state = 0x2545F4914F6CDD1DUL;
        for (var i = 0; i < Steps; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            _slot[i] = (int)(state % (ulong)Case.Live);
            _size[i] = Sizes[(state >> 32) % (ulong)Sizes.Length];
        }

        for (var i = 0; i < _live.Length; i++)
        {
            _live[i] = _slab.Kmalloc(Sizes[i % Sizes.Length]).Value;
        }
    }

    [Benchmark(OperationsPerInvoke = 2 * Steps)]
    public void KmallocKfree()
    {
        for (var i = 0; i < Steps; i++)
        {
            var slot = _slot[i];
            _slab.Kfree(_live[slot]);
            _live[slot] = _slab.Kmalloc(_size[i]).Value;
        }
    }

    /// <summary>
    /// The same churn walking the slots in order: the same work per step with the cache misses of random slots taken
    /// out.
    /// </summary>
    [Benchmark(OperationsPerInvoke = 2 * Steps)]
    public void KmallocKfreeInOrder()
    {
        for (var i = 0; i < Steps; i++)
        {
            var slot = _next;
            _next = _next + 1 == _live.Length ? 0 : _next + 1;
            _slab.Kfree(_live[slot]);
            _live[slot] = _slab.Kmalloc(_size[i]).Value;
        }
    }

    [Benchmark(OperationsPerInvoke = 2 * Steps)]
    public void CacheAllocFree()
    {
        for (var i = 0; i < Steps; i++)
        {
            var slot = _slot[i];
            _slab.Kfree(_live[slot]);
            _live[slot] = _slab.KmemCacheAlloc(_cache).Value;
        }
    }
}

/// <summary>Which side runs, with how many live objects.</summary>
public readonly record struct SlabCase(string Side, int Live)
{
    public override string ToString() => $"{Side} {Live}";
}
