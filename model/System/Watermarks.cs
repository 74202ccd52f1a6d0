using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.MemorySystem;

/// <summary>
/// One zone's watermarks in pages and its lowmem_reserve (struct zone's _watermark[] and lowmem_reserve[], indexed
/// by the zone an allocation may reach at most).
/// </summary>
public sealed record ZoneMarks(ZoneType Zone, ulong Managed, ulong Min, ulong Low, ulong High, ulong Promo,
    ImmutableArray<ulong> LowmemReserve)
{
    /// <summary>wmark_pages: the watermark ALLOC_WMARK_MASK names (no boost).</summary>
    public ulong Mark(AllocFlags flags) => (int)(flags & AllocFlags.WmarkMask) switch
    {
        0 => Min,
        1 => Low,
        2 => High,
        _ => Promo,
    };
}

/// <summary>The machine's watermarks: min_free_kbytes, watermark_scale_factor, and every zone's marks.</summary>
public sealed record WatermarkSetup(ulong MinFreeKbytes, int WatermarkScaleFactor, ImmutableArray<ZoneMarks> Zones);

/// <summary>
/// The zones' watermarks and the watermark test, as Linux 6.18 computes them (mm/page_alloc.c), for the zones DMA,
/// DMA32 and NORMAL (every one lowmem on x86-64), without CMA, highatomic reserves or watermark boosts.
/// </summary>
public interface IWatermarks
{
    /// <summary>
    /// calculate_min_free_kbytes, __setup_per_zone_wmarks and setup_per_zone_lowmem_reserve for zones of
    /// <paramref name="managed"/> pages (DMA, DMA32, NORMAL, in that order; 1 to 3 of them), a min_free_kbytes the
    /// user set (0: none) and watermark_scale_factor (1..3000).
    /// </summary>
    WatermarkSetup Setup(IReadOnlyList<ulong> managed, ulong userMinFreeKbytes, int scaleFactor);

    /// <summary>
    /// __zone_watermark_ok: whether a zone of <paramref name="freePages"/> free pages (nr_free of each order in
    /// <paramref name="freeBlocksByOrder"/>, orders 0 to 10) passes <paramref name="mark"/> for an allocation of
    /// <paramref name="order"/> with <paramref name="flags"/>, <paramref name="lowmemReserve"/> being the zone's
    /// lowmem_reserve for the highest zone the allocation may use.
    /// </summary>
    bool ZoneWatermarkOk(ulong freePages, IReadOnlyList<ulong> freeBlocksByOrder, int order, ulong mark,
        ulong lowmemReserve, AllocFlags flags);
}

/// <summary>
/// The reference: calculate_min_free_kbytes, __setup_per_zone_wmarks, setup_per_zone_lowmem_reserve and
/// __zone_watermark_ok, each step as the kernel writes it.
/// </summary>
public sealed class WatermarksModel : IWatermarks
{
    /// <summary>watermark_scale_factor's default: 10, a thousandth of the zone between the marks.</summary>
    public const int DefaultScaleFactor = 10;

    /// <summary>/proc/sys/vm/watermark_scale_factor's range.</summary>
    public const int MaxScaleFactor = 3000;

    /// <summary>sysctl_lowmem_reserve_ratio for DMA, DMA32, NORMAL.</summary>
    public static readonly ImmutableArray<ulong> LowmemReserveRatio = [256, 256, 32];

    /// <summary>
    /// The marks of a machine that is one NORMAL zone of <paramref name="managedPages"/> pages, all of lowmem, with
    /// no min_free_kbytes set by the user and watermark_scale_factor 10: the reclaim system's and the whole system's.
    /// </summary>
    public static ZoneMarks NormalZone(ulong managedPages) =>
        new WatermarksModel().Setup([0, 0, managedPages], 0, DefaultScaleFactor).Zones[^1];

    /// <summary>
    /// calculate_min_free_kbytes: int_sqrt(lowmem_kbytes * 16) clamped to 128..262144, unless a value the user set
    /// is larger (then that is kept).
    /// </summary>
    public static ulong MinFreeKbytes(ulong lowmemPages, ulong userMinFreeKbytes = 0)
    {
        var lowmemKbytes = lowmemPages * 4;
        var computed = IntSqrt(lowmemKbytes * 16);
        if (computed > userMinFreeKbytes)
        {
            return Math.Clamp(computed, 128UL, 262144UL);
        }

        return userMinFreeKbytes;
    }

    public WatermarkSetup Setup(IReadOnlyList<ulong> managed, ulong userMinFreeKbytes, int scaleFactor)
    {
        if (managed.Count == 0 || managed.Count > LowmemReserveRatio.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(managed), managed.Count, "1 to 3 zones: DMA, DMA32, NORMAL");
        }

        // mm/page_alloc.c: the watermark_scale_factor sysctl takes SYSCTL_ONE to 3000.
        if (scaleFactor < 1 || scaleFactor > MaxScaleFactor)
        {
            throw new ArgumentOutOfRangeException(nameof(scaleFactor), scaleFactor, "watermark_scale_factor 1..3000");
        }

        var lowmemPages = managed.Aggregate(0UL, (sum, pages) => sum + pages);
        var minFreeKbytes = MinFreeKbytes(lowmemPages, userMinFreeKbytes);
        var pagesMin = minFreeKbytes >> 2;
        var zones = new List<ZoneMarks>();
        for (var i = 0; i < managed.Count; i++)
        {
            // __setup_per_zone_wmarks: the zone's share of pages_min, then the scale factor's gap between marks.
            var min = lowmemPages == 0 ? 0 : pagesMin * managed[i] / lowmemPages;
            var delta = Math.Max(min >> 2, managed[i] * (ulong)scaleFactor / 10000);
            zones.Add(new ZoneMarks((ZoneType)i, managed[i], min, min + delta, min + (2 * delta),
                min + (3 * delta), LowmemReserve(managed, i)));
        }

        return new WatermarkSetup(minFreeKbytes, scaleFactor, [.. zones]);
    }

    /// <summary>
    /// setup_per_zone_lowmem_reserve for zone <paramref name="i"/>: for each higher zone j, the managed pages of
    /// the zones above i up to j over the ratio of zone i (0 for j &lt;= i, and all 0 for a zone with no pages).
    /// </summary>
    private static ImmutableArray<ulong> LowmemReserve(IReadOnlyList<ulong> managed, int i)
    {
        var reserve = new ulong[managed.Count];
        var above = 0UL;
        for (var j = i + 1; j < managed.Count; j++)
        {
            above += managed[j];
            reserve[j] = managed[i] == 0 ? 0 : above / LowmemReserveRatio[i];
        }

        return [.. reserve];
    }

    /// <summary>
    /// With no CMA and no highatomic reserve: the free pages less the block's other pages must
    /// be above the mark (lowered by half for ALLOC_MIN_RESERVE, a further quarter with ALLOC_NON_BLOCK, by half
    /// for ALLOC_OOM) plus the lowmem_reserve for the highest zone the allocation may use; for an order above 0,
    /// some free block of that order or larger.
    /// </summary>
    public bool ZoneWatermarkOk(ulong freePages, IReadOnlyList<ulong> freeBlocksByOrder, int order, ulong mark,
        ulong lowmemReserve, AllocFlags flags)
    {
        var free = (long)freePages - ((1L << order) - 1);
        var min = (long)mark;
        if (flags.HasFlag(AllocFlags.MinReserve))
        {
            min -= min / 2;
            if (flags.HasFlag(AllocFlags.NonBlock))
            {
                min -= min / 4;
            }
        }

        if (flags.HasFlag(AllocFlags.Oom))
        {
            min -= min / 2;
        }

        if (free <= min + (long)lowmemReserve)
        {
            return false;
        }

        return order == 0 || freeBlocksByOrder.Skip(order).Any(blocks => blocks > 0);
    }

    /// <summary>int_sqrt: the largest r with r * r &lt;= x.</summary>
    public static ulong IntSqrt(ulong x)
    {
        var root = 0UL;
        var bits = new LoopBound(32);
        for (var bit = 1UL << 31; bit > 0; bit >>= 1)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bits.Next();
            if ((root + bit) * (root + bit) <= x)
            {
                root += bit;
            }
        }

        return root;
    }
}
