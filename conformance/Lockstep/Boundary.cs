using FsCheck;
using FsCheck.Fluent;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// A constant boundary a specification names (TASK_SIZE, order 10, KMALLOC_MAX_CACHE_SIZE, the largest PCID ...):
/// its value and the unit that "one below" and "one above" it mean (a byte, a page, an order, an id). Each component
/// declares its boundaries once, beside its specification, and its generator targets each at one unit below, at, and
/// one unit above it.
/// </summary>
public sealed record Boundary(string Name, ulong Value, ulong Unit, string UnitName)
{
    /// <summary>The value <paramref name="delta"/> units from the boundary (its sign only), never below 0.</summary>
    public ulong At(int delta) => Math.Sign(delta) switch
    {
        < 0 => Value < Unit ? 0 : Value - Unit,
        0 => Value,
        _ => Value + Unit,
    };

    /// <summary>The target as the trace prints it: "TASK_SIZE - 1 page".</summary>
    public string Describe(int delta) => Math.Sign(delta) switch
    {
        < 0 => $"{Name} - 1 {UnitName}",
        0 => Name,
        _ => $"{Name} + 1 {UnitName}",
    };
}

/// <summary>Targets in a list of boundaries as generated steps hold them: an index and a delta of -1, 0 or 1.</summary>
public static class Boundaries
{
    /// <summary>
    /// Boundary #<paramref name="index"/> (modulo the count, so a shrunk index still names one; #0 is the simplest).
    /// </summary>
    public static Boundary Pick(IReadOnlyList<Boundary> boundaries, int index) =>
        boundaries[Math.Abs(index % boundaries.Count)];

    /// <summary>The value a step's target names: boundary #<paramref name="index"/> moved by
    /// <paramref name="delta"/>.</summary>
    public static ulong Resolve(IReadOnlyList<Boundary> boundaries, int index, int delta) =>
        Pick(boundaries, index).At(delta);

    /// <summary>An index into a list of <paramref name="count"/> boundaries and a delta of one unit below, none, or one
    /// above.</summary>
    public static Gen<(int Index, int Delta)> Target(int count) =>
        from index in Gen.Choose(0, count - 1)
        from delta in Gen.Choose(-1, 1)
        select (index, delta);

    /// <summary>Every value {v - unit, v, v + unit} of the boundaries, never below 0.</summary>
    public static Gen<ulong> Values(IReadOnlyList<Boundary> boundaries) =>
        Target(boundaries.Count).Select(t => Resolve(boundaries, t.Index, t.Delta));
}
