using FsCheck;
using FsCheck.Fluent;
using MMSpec.Model.Core;
using MMSpec.Model.Paging.Segmentation;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Paging.Segmentation;

/// <summary>
/// For random load/exit/swap sequences: programs never overlap and lie within memory; a placement (load or swap in)
/// goes to the lowest hole large enough, and fails, with the exact fragmentation figures, only when no hole is large
/// enough; a failed call changes nothing. Holes are recomputed here from the program map, not taken from the model.
/// </summary>
public sealed class SegmentedMemoryProperties(ITestOutputHelper output)
{
    private const int Cases = 300;

    [Fact]
    public void Programs_stay_disjoint_and_placement_is_first_fit() =>
        PropertyRunner.Check(output, Prop.ForAll(SegmentedMemoryGen.Scenarios(), Holds), Cases);

    private static Property Holds(MemoryScenario scenario)
    {
        var memory = new SegmentedMemory(scenario.Size);
        foreach (var step in scenario.Steps)
        {
            var problem = Check(memory, step);
            if (problem is not null)
            {
                return false.Label($"{step}: {problem}\n{memory}");
            }
        }

        return true.ToProperty();
    }

    private static string? Check(SegmentedMemory memory, MemoryStep step)
    {
        var before = memory.ToString();
        var gaps = Gaps(memory);
        var placing = Placing(memory, step);
        var error = step.Run(memory);
        if (error is not null && memory.ToString() != before)
        {
            return $"failed with {error} but changed the memory map";
        }

        if (placing is { } size)
        {
            var fit = gaps.Where(gap => gap.Size >= size).Cast<Region?>().FirstOrDefault();
            var expected = fit is { } hole
                ? $"placed at {hole.Base}"
                : $"{new NoContiguousHole(step.Name, size, gaps.Select(g => g.Size).DefaultIfEmpty(0UL).Max(),
                    gaps.Aggregate(0UL, (s, g) => s + g.Size))}";
            var actual = error is null ? $"placed at {memory.Programs[step.Name].Base}" : $"{error}";
            if (expected != actual)
            {
                return $"expected {expected}, got {actual}";
            }
        }

        return Overlap(memory);
    }

    /// <summary>The size a step asks to place, when it is a valid load or swap in; null otherwise.</summary>
    private static ulong? Placing(SegmentedMemory memory, MemoryStep step) => step.Operation switch
    {
        "Load" when step.Size > 0 && !memory.Programs.ContainsKey(step.Name)
            && !memory.Swapped.ContainsKey(step.Name) => step.Size,
        "SwapIn" when memory.Swapped.TryGetValue(step.Name, out var size) => size,
        _ => null,
    };

    private static List<Region> Gaps(SegmentedMemory memory)
    {
        var gaps = new List<Region>();
        var next = 0UL;
        foreach (var program in memory.Programs.Values.OrderBy(p => p.Base))
        {
            gaps.Add(new Region(next, program.Base - next));
            next = program.End;
        }

        gaps.Add(new Region(next, memory.Size - next));
        return gaps.Where(gap => gap.Size > 0).ToList();
    }

    private static string? Overlap(SegmentedMemory memory)
    {
        var programs = memory.Programs.OrderBy(p => p.Value.Base).ToList();
        if (programs.Find(p => p.Value.Size == 0 || p.Value.End > memory.Size) is { Key: not null } outside)
        {
            return $"{outside.Key} at {outside.Value} is empty or beyond memory size {memory.Size}";
        }

        return programs.Zip(programs.Skip(1))
            .Where(pair => pair.First.Value.End > pair.Second.Value.Base)
            .Select(pair => $"{pair.First.Key} at {pair.First.Value} overlaps {pair.Second.Key} at {pair.Second.Value}")
            .FirstOrDefault();
    }
}
