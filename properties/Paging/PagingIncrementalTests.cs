using FsCheck.Fluent;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Model.Buddy;
using MMSpec.Model.Paging;
using MMSpec.Properties.Lockstep;
using MMSpec.Properties.Paging.Broken;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Paging;

/// <summary>
/// The paging lockstep's incremental check (the address spaces a step ran in, the kernel's and the page cache's
/// state whole) finds what the full check finds: on the implementation in each format at levels 1 and 3, and on
/// every broken paging system as its test runs it.
/// </summary>
public sealed class PagingIncrementalTests(ITestOutputHelper output)
{
    private const string Implementation = "PagingSystem";
    private const int Cases = 30;

    public static TheoryData<string, string, Level> Systems()
    {
        var data = new TheoryData<string, string, Level>();
        foreach (var format in PagingFormat.All)
        {
            data.Add(Implementation, format.Name, Level.Safe);
            data.Add(Implementation, format.Name, Level.All);
        }

        foreach (var row in BrokenPagingTests.Variants)
        {
            data.Add((string)row[0], (string)row[1], Level.All);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Systems))]
    public void Incremental_check_finds_exactly_what_the_full_check_finds(
        string system, string format, Level checks) =>
        PropertyRunner.Check(output, Prop.ForAll(PagingGen.Scenarios(PagingExamples.Format(format)), scenario =>
            IncrementalCheck.Agrees(
                () => new PagingLockstep(
                    Create(system, scenario.Format, scenario.Layout),
                    new PagingModel(scenario.Format, new BuddyModel(scenario.Layout)),
                    checks),
                scenario.Steps)), Cases);

    private static IPagingSystem Create(string system, PagingFormat format, MemoryLayout layout) =>
        system == Implementation
            ? new PagingSystem(format, new BuddyAllocator(layout))
            : BrokenPagingTests.Create(system, format, new BuddyModel(layout));
}
