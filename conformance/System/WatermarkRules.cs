using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>
/// The watermark rules (docs/system.md): the order every correct setup keeps (safe), and Linux 6.18's numbers and
/// answers (exact, against <see cref="WatermarksModel"/>).
/// </summary>
public static class WatermarkRules
{
    public const string Ordered = "watermarks-ordered";
    public const string AsLinux = "watermarks-as-linux";
    public const string TestAsLinux = "watermark-test-as-linux";

    private static readonly WatermarksModel Model = new();

    /// <summary>The first rule <paramref name="subject"/> breaks on <paramref name="c"/>, or null.</summary>
    public static Violation? FirstBroken(IWatermarks subject, WatermarkCase c, Level checks)
    {
        var setup = subject.Setup(c.Managed, c.UserMinFreeKbytes, c.ScaleFactor);
        if (Disorder(setup) is { } disorder)
        {
            return new(Ordered, disorder);
        }

        if (!checks.HasFlag(Level.Exact))
        {
            return null;
        }

        var linux = Model.Setup(c.Managed, c.UserMinFreeKbytes, c.ScaleFactor);
        if (Text(setup) != Text(linux))
        {
            return new(AsLinux, $"the setup is\n{Text(setup)}\nLinux 6.18's is\n{Text(linux)}");
        }

        foreach (var q in c.Queries)
        {
            var zone = linux.Zones[q.Zone];
            var highest = (int)(GfpRules.HighestZone(q.Gfp) ?? ZoneType.Normal);
            var reserve = highest < zone.LowmemReserve.Length ? zone.LowmemReserve[highest] : 0;
            var mark = zone.Mark(q.Flags);
            var edge = Edge(q, mark, reserve);
            var free = (ulong)Math.Max(0, (long)edge + q.Near);
            var (got, expected) = (subject.ZoneWatermarkOk(free, q.FreeBlocks, q.Order, mark, reserve, q.Flags),
                Model.ZoneWatermarkOk(free, q.FreeBlocks, q.Order, mark, reserve, q.Flags));
            if (got != expected)
            {
                return new(TestAsLinux, $"{q} ({free} free, mark {mark}, reserve {reserve}, {q.Flags}): "
                    + $"__zone_watermark_ok said {got}, Linux 6.18 says {expected}");
            }
        }

        return null;
    }

    /// <summary>
    /// The fewest free pages Linux passes for the test (found by bisection on the model: the answer only turns from
    /// false to true as pages are added), or the mark plus the reserve plus the block when no count passes.
    /// </summary>
    private static ulong Edge(WatermarkQuery q, ulong mark, ulong reserve)
    {
        var (low, high) = (0UL, mark + reserve + (1UL << q.Order));
        if (!Model.ZoneWatermarkOk(high, q.FreeBlocks, q.Order, mark, reserve, q.Flags))
        {
            return high - 1;
        }

        var bound = new LoopBound(64);
        while (low < high)
        {
            bound.Next();
            var middle = low + ((high - low) / 2);
            (low, high) = Model.ZoneWatermarkOk(middle, q.FreeBlocks, q.Order, mark, reserve, q.Flags)
                ? (low, middle)
                : (middle + 1, high);
        }

        return low;
    }

    /// <summary>
    /// What breaks min &lt;= low &lt;= high &lt;= promo or a lowmem_reserve growing with the zone, if anything.
    /// </summary>
    private static string? Disorder(WatermarkSetup setup)
    {
        foreach (var z in setup.Zones)
        {
            if (!(z.Min <= z.Low && z.Low <= z.High && z.High <= z.Promo))
            {
                return $"{z.Zone}: min {z.Min}, low {z.Low}, high {z.High}, promo {z.Promo} are not in order";
            }

            for (var j = 0; j < z.LowmemReserve.Length; j++)
            {
                var below = j <= (int)z.Zone ? 0 : z.LowmemReserve[j - 1];
                if (z.LowmemReserve[j] < below || (j <= (int)z.Zone && z.LowmemReserve[j] != 0))
                {
                    return $"{z.Zone}: lowmem_reserve [{string.Join(", ", z.LowmemReserve)}] must be 0 up to the "
                        + "zone itself and grow with the zones above";
                }
            }
        }

        return null;
    }

    /// <summary>The setup as text, one zone a line: what the exact rule compares and prints.</summary>
    public static string Text(WatermarkSetup s) =>
        $"min_free_kbytes {s.MinFreeKbytes}, watermark_scale_factor {s.WatermarkScaleFactor}\n" + string.Join("\n",
            s.Zones.Select(z => $"  {z.Zone}: managed {z.Managed} min {z.Min} low {z.Low} high {z.High} "
                + $"promo {z.Promo} protection ({string.Join(", ", z.LowmemReserve)})"));
}
