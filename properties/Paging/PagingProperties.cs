using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Model.Buddy;
using MMSpec.Model.Paging;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Paging;

/// <summary>
/// The paging properties, by conformance level and for each of the three formats. Each runs generated
/// scenarios with the implementation (on the fast buddy allocator) and the model (on the buddy model) in
/// lockstep. A failure prints the seed, the shrunk scenario, the step and the rule.
/// </summary>
public sealed class PagingProperties(ITestOutputHelper output)
{
    private const int Cases = 60;

    public static TheoryData<string> Formats => PagingExamples.Formats;

    [Theory]
    [MemberData(nameof(Formats))]
    public void Level1_safe_every_access_agrees_with_the_model_frames_have_one_owner_bad_input_changes_nothing(
        string format) =>
        CheckWithTally(tally => Lockstepped(PagingExamples.Format(format), Impl, PagingChecks.Safe, tally));

    [Theory]
    [MemberData(nameof(Formats))]
    public void Level2_live_destroying_every_address_space_and_vfreeing_restores_the_free_areas(string format) =>
        PropertyRunner.Check(output, TearDownRestores(PagingExamples.Format(format), Impl), Cases);

    [Theory]
    [MemberData(nameof(Formats))]
    public void Level3_exact_same_tables_entries_and_vmpte_bytes_as_the_model(string format) =>
        CheckWithTally(tally => Lockstepped(PagingExamples.Format(format), Impl, PagingChecks.All, tally));

    /// <summary>The lockstep property for any implementation: the conformance kit's entry point.</summary>
    public static Property Lockstepped(PagingFormat format, Func<PagingFormat, MemoryLayout, IPagingSystem> create,
        PagingChecks checks, ScenarioTally? tally = null) =>
        Prop.ForAll(PagingGen.Scenarios(format), scenario =>
        {
            PagingLockstep Subject() =>
                new(create(format, scenario.Layout), new PagingModel(format, new BuddyModel(scenario.Layout)), checks);
            var run = LockstepRunner.Run(Subject(), scenario.Steps, Subject);
            tally?.Add(run.Scenarios);
            return ScenarioReport.Verdict(run, PagingLockstep.AllScenarios, scenario.InvalidShare);
        });

    /// <summary>Level 2: after any scenario, destroying every address space and freeing every vmalloc area gives back
    /// exactly the initial free areas.</summary>
    public static Property TearDownRestores(PagingFormat format,
        Func<PagingFormat, MemoryLayout, IPagingSystem> create) =>
        Prop.ForAll(PagingGen.Scenarios(format), scenario =>
        {
            var impl = create(format, scenario.Layout);
            var initial = impl.Snapshot().Pages;
            var subject = new PagingLockstep(impl, new PagingModel(format, new BuddyModel(scenario.Layout)),
                PagingChecks.Safe);
            var run = LockstepRunner.Run(subject, scenario.Steps, () => new PagingLockstep(
                create(format, scenario.Layout), new PagingModel(format, new BuddyModel(scenario.Layout)),
                PagingChecks.Safe));
            if (run.Failure is not null)
            {
                return ScenarioReport.Verdict(run, PagingLockstep.AllScenarios, scenario.InvalidShare);
            }

            var violation = subject.TearDown(new StepLog());
            var after = impl.Snapshot();
            var diff = after.Pages.DiffFrom(initial)
                ?? (after.Spaces.IsEmpty && after.Cache.IsEmpty ? null
                : $"left behind: {after.Spaces.Length} address spaces, {after.Cache.Length} page-cache pages");
            return (violation is null && diff is null)
                .Label($"rule broken: {violation?.Rule ?? PagingRules.RestoresInitial}\n{violation?.Detail ?? diff}")
                .Classify(run.Steps > 10, "torn down after 10+ steps");
        });

    private static IPagingSystem Impl(PagingFormat format, MemoryLayout layout) =>
        new PagingSystem(format, new BuddyAllocator(layout));

    private void CheckWithTally(Func<ScenarioTally, Property> property, [CallerMemberName] string testName = "") =>
        ScenarioReport.CheckWithTally(output, PagingLockstep.AllScenarios, property, Cases, testName);
}
