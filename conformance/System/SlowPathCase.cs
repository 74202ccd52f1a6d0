using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Oom;
using MMSpec.Model.Reclaim;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>
/// The world's answers to one slow-path run, a queue per question: taken in order, and once a queue is empty its
/// default (the freelist then finds a page, so every run ends; reclaim frees nothing, compaction is skipped, the
/// zone questions answer no, the OOM killer kills).
/// </summary>
public sealed record SlowPathScript(ImmutableArray<bool> Freelist, ImmutableArray<ulong> Reclaim,
    ImmutableArray<CompactResult> Compact, ImmutableArray<bool> ZonesCouldPass, ImmutableArray<bool> Suitable,
    ImmutableArray<OomOutcome> Oom)
{
    public override string ToString() =>
        $"freelist [{string.Join(' ', Freelist.Select(f => f ? "page" : "NULL"))}], "
        + $"reclaim [{string.Join(' ', Reclaim)}], compact [{string.Join(' ', Compact)}], "
        + $"zones could pass [{string.Join(' ', ZonesCouldPass)}], "
        + $"compaction suitable [{string.Join(' ', Suitable)}], out_of_memory [{string.Join(' ', Oom)}]";
}

/// <summary>A world that answers from a <see cref="SlowPathScript"/>; each side of a check gets its own.</summary>
public sealed class ScriptedWorld(SlowPathScript script) : ISlowPathWorld
{
    private int _freelist, _reclaim, _compact, _zones, _suitable, _oom;

    public bool Freelist(AllocFlags flags) => Next(script.Freelist, ref _freelist, true);

    public ulong Reclaim() => Next(script.Reclaim, ref _reclaim, 0UL);

    public CompactResult Compact(CompactPriority priority) =>
        Next(script.Compact, ref _compact, CompactResult.Skipped);

    public bool AnyZoneCouldPassAfterReclaim() => Next(script.ZonesCouldPass, ref _zones, false);

    public bool CompactionZonelistSuitable() => Next(script.Suitable, ref _suitable, false);

    public OomOutcome OutOfMemory() => Next(script.Oom, ref _oom, OomOutcome.Victim);

    private static T Next<T>(ImmutableArray<T> answers, ref int taken, T otherwise) =>
        taken < answers.Length ? answers[taken++] : otherwise;
}

/// <summary>
/// A generated slow-path case: an allocation (one of fifteen gfp masks, orders 0 to 10, sometimes by an OOM
/// victim) and the world's answers, long enough to reach MAX_RECLAIM_RETRIES and the compaction retries.
/// </summary>
public sealed record SlowPathCase(SlowPathRequest Request, SlowPathScript Script)
{
    public override string ToString() => $"{Request}; {Script}";

    private static readonly Gfp[] Masks =
    [
        Gfp.Kernel, Gfp.Atomic, Gfp.NoWait, Gfp.HighUserMovable, Gfp.NoFs, Gfp.NoIo, Gfp.Kernel | Gfp.NoRetry,
        Gfp.Kernel | Gfp.RetryMayFail, Gfp.Kernel | Gfp.Dma32, Gfp.Kernel | Gfp.ThisNode, Gfp.Kernel | Gfp.Memalloc,
        Gfp.Kernel | Gfp.NoMemalloc, Gfp.HighUserMovable | Gfp.Comp | Gfp.NoRetry | Gfp.NoWarn,
        Gfp.HighUserMovable | Gfp.RetryMayFail, Gfp.Atomic | Gfp.NoMemalloc,
    ];

    private static readonly CompactResult[] Results =
    [
        CompactResult.Skipped, CompactResult.Deferred, CompactResult.Complete, CompactResult.PartialSkipped,
        CompactResult.Contended, CompactResult.Success, CompactResult.NoSuitablePage,
    ];

    public static Arbitrary<SlowPathCase> Arbitrary() => MutationProfile.Arbitrary(Generator(), Shrink);

    public static Gen<SlowPathCase> Generator() =>
        from gfp in Gen.Elements(Masks)
        from order in Gen.Frequency((3, Gen.Constant(0)), (3, Gen.Choose(1, 3)), (2, Gen.Elements(4, 9, 10)))
        from victim in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
        from script in Gen.Frequency((4, Answers()), (1, Stuck()), (1, Racing()))
        select new SlowPathCase(new SlowPathRequest(gfp, order, victim), script);

    private static Gen<SlowPathScript> Answers() =>
        from length in Gen.Choose(0, 48)
        from freelist in Gen.ArrayOf(Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true))), length)
        from reclaim in Gen.ArrayOf(Gen.Frequency((3, Gen.Constant(0UL)), (1, Gen.Choose(1, 64)
            .Select(p => (ulong)p))), length)
        from compact in Gen.ArrayOf(Gen.Elements(Results), length)
        from zones in Gen.ArrayOf(Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false))), length)
        from suitable in Gen.ArrayOf(Gen.Elements(true, false), length)
        from oom in Gen.ArrayOf(Gen.Frequency((4, Gen.Constant(OomOutcome.Victim)), (1, Gen.Constant(
            OomOutcome.Aborted)), (1, Gen.Constant(OomOutcome.NoKillable))), Math.Min(length, 6))
        select new SlowPathScript([.. freelist], [.. reclaim], [.. compact], [.. zones], [.. suitable], [.. oom]);

    /// <summary>
    /// A world where reclaim frees nothing and every zone still looks as if it could pass: the state in which only
    /// MAX_RECLAIM_RETRIES ends the retries.
    /// </summary>
    private static Gen<SlowPathScript> Stuck() =>
        from length in Gen.Choose(20, 48)
        from oom in Gen.Elements(OomOutcome.Victim, OomOutcome.NoKillable)
        select new SlowPathScript([.. Enumerable.Repeat(false, length)], [.. Enumerable.Repeat(0UL, length)],
            [.. Enumerable.Repeat(CompactResult.Complete, length)], [.. Enumerable.Repeat(true, length)],
            [.. Enumerable.Repeat(false, length)], [oom]);

    /// <summary>
    /// A world where reclaim makes progress and compaction succeeds, yet the page is always taken before the
    /// freelist try (the race should_compact_retry's COMPACT_SUCCESS retries are for), until its retries and
    /// priorities run out.
    /// </summary>
    private static Gen<SlowPathScript> Racing() =>
        from length in Gen.Choose(12, 40)
        from result in Gen.Elements(CompactResult.Success, CompactResult.Success, CompactResult.Complete)
        select new SlowPathScript([.. Enumerable.Repeat(false, length)], [.. Enumerable.Repeat(8UL, length)],
            [.. Enumerable.Repeat(result, length)], [.. Enumerable.Repeat(false, length)],
            [.. Enumerable.Repeat(false, length)], [OomOutcome.Victim]);

    /// <summary>Simpler: each queue shorter by its last half, then by its last answer; then no OOM victim.</summary>
    public static IEnumerable<SlowPathCase> Shrink(SlowPathCase c)
    {
        var s = c.Script;
        foreach (var script in new[]
        {
            s with { Freelist = Half(s.Freelist) }, s with { Reclaim = Half(s.Reclaim) },
            s with { Compact = Half(s.Compact) }, s with { ZonesCouldPass = Half(s.ZonesCouldPass) },
            s with { Suitable = Half(s.Suitable) }, s with { Oom = Half(s.Oom) },
        }.Where(shorter => shorter != s))
        {
            yield return c with { Script = script };
        }

        if (c.Request.OomVictim)
        {
            yield return c with { Request = c.Request with { OomVictim = false } };
        }
    }

    private static ImmutableArray<T> Half<T>(ImmutableArray<T> answers) => answers.Length switch
    {
        0 => answers,
        1 => [],
        _ => answers.RemoveRange(answers.Length / 2, answers.Length - (answers.Length / 2)),
    };
}
