using MMSpec.Model.Buddy;

namespace MMSpec.Model.MemorySystem;

/// <summary>
/// The gfp_t bits (include/linux/gfp_types.h, Linux 6.18: the ___GFP_*_BIT enum, 0x200 unused since __GFP_ATOMIC
/// went in 6.3; the bits after ACCOUNT depend on the configuration and are left out), and the composites:
/// GFP_KERNEL is 0xcc0, GFP_ATOMIC 0x820, GFP_HIGHUSER_MOVABLE 0x100cca, as an OOM report prints them.
/// </summary>
[Flags]
public enum Gfp
{
    None = 0,
    Dma = 0x01,
    HighMem = 0x02,
    Dma32 = 0x04,
    Movable = 0x08,
    Reclaimable = 0x10,
    High = 0x20,
    Io = 0x40,
    Fs = 0x80,
    Zero = 0x100,
    DirectReclaim = 0x400,
    KswapdReclaim = 0x800,
    Write = 0x1000,
    NoWarn = 0x2000,
    RetryMayFail = 0x4000,
    NoFail = 0x8000,
    NoRetry = 0x10000,
    Memalloc = 0x20000,
    Comp = 0x40000,
    NoMemalloc = 0x80000,
    HardWall = 0x100000,
    ThisNode = 0x200000,
    Account = 0x400000,

    /// <summary>__GFP_RECLAIM: both kinds of reclaim.</summary>
    Reclaim = DirectReclaim | KswapdReclaim,

    /// <summary>GFP_ATOMIC: may not sleep, may dig into reserves (__GFP_HIGH), wakes kswapd.</summary>
    Atomic = High | KswapdReclaim,

    /// <summary>GFP_KERNEL: the usual kernel allocation, may sleep, reclaim and do IO.</summary>
    Kernel = Reclaim | Io | Fs,

    /// <summary>GFP_NOWAIT: may not sleep, no reserves, wakes kswapd.</summary>
    NoWait = KswapdReclaim | NoWarn,

    /// <summary>GFP_NOIO and GFP_NOFS: reclaim without starting IO, or without calling into the filesystem.</summary>
    NoIo = Reclaim,
    NoFs = Reclaim | Io,

    /// <summary>GFP_USER and GFP_HIGHUSER_MOVABLE: user pages, the latter movable and from any zone.</summary>
    User = Reclaim | Io | Fs | HardWall,
    HighUserMovable = User | HighMem | Movable,
}

/// <summary>The ALLOC_* flags the slow path computes from the gfp mask (mm/internal.h, Linux 6.18).</summary>
[Flags]
public enum AllocFlags
{
    /// <summary>ALLOC_WMARK_MIN: the min watermark (the index 0 of ALLOC_WMARK_MASK).</summary>
    WmarkMin = 0,
    WmarkLow = 1,
    WmarkHigh = 2,
    NoWatermarks = 4,
    Oom = 8,
    NonBlock = 0x10,
    MinReserve = 0x20,
    Cpuset = 0x40,
    Cma = 0x80,
    NoFragment = 0x100,
    HighAtomic = 0x200,
    Kswapd = 0x800,

    /// <summary>ALLOC_WMARK_MASK: the bits that name the watermark.</summary>
    WmarkMask = NoWatermarks - 1,

    /// <summary>ALLOC_RESERVES: any access to the reserves.</summary>
    Reserves = NonBlock | MinReserve | HighAtomic | Oom,
}

/// <summary>What the allocator derives from a gfp mask (mm/page_alloc.c, include/linux/gfp.h, Linux 6.18).</summary>
public static class GfpRules
{
    /// <summary>
    /// gfp_zone: the highest zone the allocation may use. __GFP_DMA and __GFP_DMA32 together (or either with
    /// __GFP_HIGHMEM) are GFP_ZONE_BAD, a BUG in the kernel: null here. __GFP_HIGHMEM and __GFP_MOVABLE name NORMAL
    /// on x86-64, which has no highmem and no movable zone configured here.
    /// </summary>
    public static ZoneType? HighestZone(Gfp gfp)
    {
        var dma = gfp.HasFlag(Gfp.Dma);
        var dma32 = gfp.HasFlag(Gfp.Dma32);
        if ((dma && dma32) || ((dma || dma32) && gfp.HasFlag(Gfp.HighMem)))
        {
            return null;
        }

        return dma ? ZoneType.Dma : dma32 ? ZoneType.Dma32 : ZoneType.Normal;
    }

    /// <summary>
    /// gfp_to_alloc_flags for a task that is neither real-time nor deadline, without CMA or defrag_mode: the min
    /// watermark within the cpuset; __GFP_HIGH is ALLOC_MIN_RESERVE and __GFP_KSWAPD_RECLAIM is ALLOC_KSWAPD (the
    /// kernel asserts the bits are equal); without direct reclaim, ALLOC_NON_BLOCK unless __GFP_NOMEMALLOC (and
    /// ALLOC_HIGHATOMIC for an order above 0 with the reserve), and a non-blocking __GFP_HIGH ignores the cpuset.
    /// </summary>
    public static AllocFlags SlowPathFlags(Gfp gfp, int order)
    {
        var flags = AllocFlags.WmarkMin | AllocFlags.Cpuset;
        if (gfp.HasFlag(Gfp.High))
        {
            flags |= AllocFlags.MinReserve;
        }

        if (gfp.HasFlag(Gfp.KswapdReclaim))
        {
            flags |= AllocFlags.Kswapd;
        }

        if (!gfp.HasFlag(Gfp.DirectReclaim))
        {
            if (!gfp.HasFlag(Gfp.NoMemalloc))
            {
                flags |= AllocFlags.NonBlock;
                if (order > 0 && flags.HasFlag(AllocFlags.MinReserve))
                {
                    flags |= AllocFlags.HighAtomic;
                }
            }

            if (flags.HasFlag(AllocFlags.MinReserve))
            {
                flags &= ~AllocFlags.Cpuset;
            }
        }

        return flags;
    }
}
