using FsCheck;
using FsCheck.Fluent;
using MMSpec.Model.Core;
using MMSpec.Model.Paging.Segmentation;

namespace MMSpec.Properties.Paging.Segmentation;

/// <summary>One call on a <see cref="SegmentedMemory"/>; printed as the call it makes.</summary>
public sealed record MemoryStep(string Operation, string Name, ulong Size)
{
    public MmError? Run(SegmentedMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        return Operation switch
        {
            "Load" => memory.Load(Name, Size).Error,
            "Exit" => memory.Exit(Name).Error,
            "SwapOut" => memory.SwapOut(Name).Error,
            _ => memory.SwapIn(Name).Error,
        };
    }

    public override string ToString() => Operation == "Load" ? $"Load({Name}, {Size})" : $"{Operation}({Name})";
}

/// <summary>A memory size and a sequence of calls over five names, so that names collide and holes form.</summary>
public sealed record MemoryScenario(ulong Size, IReadOnlyList<MemoryStep> Steps)
{
    public override string ToString() => $"memory {Size}: {string.Join("; ", Steps)}";
}

/// <summary>Generators for segmented-memory scenarios: small sizes, so that fragmentation is common.</summary>
public static class SegmentedMemoryGen
{
    public static Arbitrary<MemoryScenario> Scenarios() => Arb.From(
        from size in Gen.Choose(1, 200)
        from count in Gen.Choose(0, 60)
        from steps in Gen.ListOf(Step(size), count)
        select new MemoryScenario((ulong)size, steps),
        Shrink);

    /// <summary>Shrinks by dropping one step at a time, so a failure is reported with the steps that matter.</summary>
    private static IEnumerable<MemoryScenario> Shrink(MemoryScenario scenario) =>
        scenario.Steps.Select((_, index) =>
            scenario with { Steps = [.. scenario.Steps.Where((_, other) => other != index)] });

    private static Gen<MemoryStep> Step(int memorySize) =>
        from operation in Gen.Frequency(
            (5, Gen.Constant("Load")),
            (2, Gen.Constant("Exit")),
            (2, Gen.Constant("SwapOut")),
            (2, Gen.Constant("SwapIn")))
        from name in Gen.Elements("a", "b", "c", "d", "e")
        from size in Gen.Frequency((1, Gen.Constant(0)), (12, Gen.Choose(1, Math.Max(1, memorySize / 2))),
            (2, Gen.Choose(1, memorySize + 5)))
        select new MemoryStep(operation, name, (ulong)size);
}
