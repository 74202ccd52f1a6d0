using System.Collections.Immutable;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;

namespace MMSpec.Impl.MemorySystem;

/// <summary>
/// The zones' watermarks computed in one pass each (__setup_per_zone_wmarks, setup_per_zone_lowmem_reserve with a
/// running suffix of managed pages), int_sqrt by Newton's method, and __zone_watermark_ok's reserve arithmetic.
/// </summary>
public sealed class ZoneWatermarkTable : IWatermarks
{
    private static readonly ulong[] Ratio = [256, 256, 32];

    public WatermarkSetup Setup(IReadOnlyList<ulong> managed, ulong userMinFreeKbytes, int scaleFactor)
    {
        if (managed.Count is < 1 or > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(managed), managed.Count, "1 to 3 zones: DMA, DMA32, NORMAL");
        }

        if (scaleFactor is < 1 or > 3000)
        {
            throw new ArgumentOutOfRangeException(nameof(scaleFactor), scaleFactor, "watermark_scale_factor 1..3000");
        }

        ulong lowmem = 0;
        for (var i = 0; i < managed.Count; i++)
        {
            lowmem += managed[i];
        }

        // calculate_min_free_kbytes: a larger value the user set wins.
        var computed = IntSqrt(lowmem << 6);
        var minFreeKbytes = computed > userMinFreeKbytes ? Math.Clamp(computed, 128UL, 262144UL) : userMinFreeKbytes;
        var pagesMin = minFreeKbytes >> 2;
        var zones = ImmutableArray.CreateBuilder<ZoneMarks>(managed.Count);
        for (var i = 0; i < managed.Count; i++)
        {
            var min = lowmem == 0 ? 0 : pagesMin * managed[i] / lowmem;
            var delta = Math.Max(min >> 2, managed[i] * (ulong)scaleFactor / 10000);
            zones.Add(new ZoneMarks((ZoneType)i, managed[i], min, min + delta, min + delta + delta,
                min + (delta * 3), Reserve(managed, i)));
        }

        return new WatermarkSetup(minFreeKbytes, scaleFactor, zones.MoveToImmutable());
    }

    private static ImmutableArray<ulong> Reserve(IReadOnlyList<ulong> managed, int zone)
    {
        var reserve = new ulong[managed.Count];
        if (managed[zone] != 0)
        {
            var sum = 0UL;
            for (var upper = zone + 1; upper < managed.Count; upper++)
            {
                sum += managed[upper];
                reserve[upper] = sum / Ratio[zone];
            }
        }

        return ImmutableArray.Create(reserve);
    }

    public bool ZoneWatermarkOk(ulong freePages, IReadOnlyList<ulong> freeBlocksByOrder, int order, ulong mark,
        ulong lowmemReserve, AllocFlags flags)
    {
        // The reserves: __GFP_HIGH halves the mark, non-blocking takes a quarter more, an OOM victim halves it.
        var min = (long)mark;
        if ((flags & AllocFlags.MinReserve) != 0)
        {
            min -= min >> 1;
            if ((flags & AllocFlags.NonBlock) != 0)
            {
                min -= min >> 2;
            }
        }

        if ((flags & AllocFlags.Oom) != 0)
        {
            min -= min >> 1;
        }

        if ((long)freePages - (1L << order) + 1 <= min + (long)lowmemReserve)
        {
            return false;
        }

        for (var o = order; o < freeBlocksByOrder.Count && order > 0; o++)
        {
            if (freeBlocksByOrder[o] != 0)
            {
                return true;
            }
        }

        return order == 0;
    }

    /// <summary>int_sqrt (the largest r with r * r &lt;= x) by Newton's method from above.</summary>
    public static ulong IntSqrt(ulong x)
    {
        // The first step is x / 2 rounded up, written so that it does not overflow at ulong.MaxValue; x = 0 and 1
        // need no case of their own, since that step does not go below them.
        var r = x;
        var next = (r >> 1) + (r & 1);
        var bound = new LoopBound(64);
        while (next < r)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            r = next;
            next = (r + (x / r)) >> 1;
        }

        return r;
    }
}
