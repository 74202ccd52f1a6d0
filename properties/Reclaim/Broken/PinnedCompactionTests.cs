using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.Reclaim;
using MapStep = MMSpec.Conformance.Reclaim.MapStep;
using NewMm = MMSpec.Conformance.Reclaim.NewMm;
using TouchStep = MMSpec.Conformance.Reclaim.TouchStep;
using UnmapStep = MMSpec.Conformance.Reclaim.UnmapStep;
using MMSpec.Model.Reclaim;
using Xunit;

namespace MMSpec.Properties.Reclaim.Broken;

/// <summary>
/// The rule pinned-folio-stays, shown able to fail: a machine filled with small mappings, some pinned, half of them
/// unmapped, then compacted. The generated campaign reaches this state too rarely for a fixed-seed budget (compaction
/// must find a pinned folio in the migration scanner's range with free targets above it, which takes three pageblocks:
/// the zone's first is taken whole, and the free scanner never enters the migration scanner's block), so the scenario
/// is written out; the correct model passes it and CompactionMovesPinned (70cbc3cc78a9's class) breaks the rule.
/// </summary>
public sealed class PinnedCompactionTests
{
    private static readonly ReclaimConfig Machine = new(2048, 1, 1, 16);

    [Fact]
    public void Compaction_never_moves_a_pinned_folio_and_the_variant_that_does_is_named()
    {
        var steps = Scenario();
        Assert.Null(Run(new ReclaimModel(Machine), steps).Failure);
        var broken = Run(new CompactionMovesPinned(Machine), steps).Failure;
        Assert.NotNull(broken);
        Assert.Equal(ReclaimRules.PinnedFolioStays, broken.Violation.Rule);
        Assert.IsType<CompactStep>(steps[broken.StepIndex]);
    }

    private static LockstepRun Run(IReclaimSystem system, IReadOnlyList<ReclaimStep> steps) =>
        LockstepRunner.Run(new ReclaimLockstep(system, null, Level.Safe | Level.Live), steps);

    /// <summary>512 mappings of 4 pages written whole, every fifth pinned, then every other one unmapped.</summary>
    private static List<ReclaimStep> Scenario()
    {
        var steps = new List<ReclaimStep> { new NewMm() };
        for (var piece = 0; piece < 512; piece++)
        {
            steps.Add(new MapStep(0, MapKind.Anon, 0, 4));
            steps.AddRange(Enumerable.Range(0, 4).Select(p => new TouchStep(0, -1, p, 0, true, (ulong)p + 1)));
            if (piece % 5 == 1)
            {
                steps.Add(new PinStep(0, -1, 0, false));
            }
        }

        steps.AddRange(Enumerable.Range(2, 256).Select(i => new UnmapStep(0, -i)));
        steps.Add(new CompactStep(5, false));
        return steps;
    }
}
