using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.MemorySystem;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>
/// One watermark test: a zone (by index), nr_free per order, the order, the gfp mask, on the fast path (the low
/// mark) or the slow path (gfp_to_alloc_flags, ALLOC_OOM for an OOM victim), with free pages <paramref name="Near"/>
/// from the edge: the mark plus the lowmem_reserve plus the block's other pages.
/// </summary>
public sealed record WatermarkQuery(int Zone, int Near, ImmutableArray<ulong> FreeBlocks, int Order, Gfp Gfp,
    bool FastPath, bool OomVictim)
{
    /// <summary>The ALLOC_* flags of the test.</summary>
    public AllocFlags Flags => FastPath ? AllocFlags.WmarkLow
        : GfpRules.SlowPathFlags(Gfp, Order) | (OomVictim ? AllocFlags.Oom : 0);

    public override string ToString() =>
        $"zone {Zone}: {Near:+0;-0;0} from the edge, nr_free [{string.Join(' ', FreeBlocks)}], order {Order}, "
        + $"gfp {Gfp}, {(FastPath ? "fast path" : "slow path")}" + (OomVictim ? ", an OOM victim" : string.Empty);
}

/// <summary>
/// A generated machine for the watermarks: 1 to 3 zones (some empty, some of a million pages and more), a
/// min_free_kbytes the user set or not, watermark_scale_factor at 10 or anywhere in 1..3000, and watermark tests
/// near each mark (its value plus the lowmem_reserve, one below and one above).
/// </summary>
public sealed record WatermarkCase(ImmutableArray<ulong> Managed, ulong UserMinFreeKbytes, int ScaleFactor,
    ImmutableArray<WatermarkQuery> Queries)
{
    public override string ToString() =>
        $"zones [{string.Join(", ", Managed)}] pages, min_free_kbytes set {UserMinFreeKbytes}, "
        + $"watermark_scale_factor {ScaleFactor}:\n  " + string.Join("\n  ", Queries);

    public static Arbitrary<WatermarkCase> Arbitrary() => MutationProfile.Arbitrary(Generator(), Shrink);

    private static readonly Gfp[] Masks =
    [
        Gfp.Kernel, Gfp.Atomic, Gfp.NoWait, Gfp.HighUserMovable, Gfp.NoFs, Gfp.Kernel | Gfp.High,
        Gfp.Atomic | Gfp.NoMemalloc, Gfp.Kernel | Gfp.Dma32, Gfp.Atomic | Gfp.Dma,
    ];

    public static Gen<WatermarkCase> Generator() =>
        from zones in Gen.Choose(1, 3)
        from managed in Gen.ArrayOf(Gen.Frequency((1, Gen.Constant(0UL)),
            (2, Gen.Elements(3977UL, 4096UL, 680_704UL, 1_048_576UL, 3_335_680UL, 16_777_216UL)),
            (3, Gen.Choose(1, 1 << 24).Select(p => (ulong)p))), zones)
        from user in Gen.Frequency((4, Gen.Constant(0UL)), (1, Gen.Choose(128, 300_000).Select(k => (ulong)k)))
        from scale in Gen.Frequency((3, Gen.Constant(WatermarksModel.DefaultScaleFactor)), (1, Gen.Choose(1, 3000)))
        from queries in Gen.ArrayOf(Query(zones), 8)
        select new WatermarkCase([.. managed], user, scale, [.. queries]);

    private static Gen<WatermarkQuery> Query(int zones) =>
        from zone in Gen.Choose(0, zones - 1)
        from near in Gen.Choose(-2, 2)
        from blocks in Gen.ArrayOf(Gen.Frequency((2, Gen.Constant(0UL)), (1, Gen.Choose(1, 4).Select(b => (ulong)b))),
            11)
        from order in Gen.Frequency((3, Gen.Constant(0)), (2, Gen.Choose(1, 10)))
        from gfp in Gen.Elements(Masks)
        from fast in Gen.Elements(false, false, true)
        from victim in Gen.Frequency((5, Gen.Constant(false)), (1, Gen.Constant(true)))
        select new WatermarkQuery(zone, near, [.. blocks], order, gfp, fast, victim);

    /// <summary>Simpler: fewer tests, then the default scale factor, then no user min_free_kbytes.</summary>
    public static IEnumerable<WatermarkCase> Shrink(WatermarkCase c)
    {
        for (var i = 0; i < c.Queries.Length; i++)
        {
            yield return c with { Queries = c.Queries.RemoveAt(i) };
        }

        if (c.ScaleFactor != WatermarksModel.DefaultScaleFactor)
        {
            yield return c with { ScaleFactor = WatermarksModel.DefaultScaleFactor };
        }

        if (c.UserMinFreeKbytes != 0)
        {
            yield return c with { UserMinFreeKbytes = 0 };
        }
    }
}
