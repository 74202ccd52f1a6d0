namespace MMSpec.Model.Core;

/// <summary>A page frame number: physical address / PAGE_SIZE. Never confused with an address or a count.</summary>
public readonly record struct Pfn(ulong Value) : IComparable<Pfn>
{
    public const int PageShift = 12;
    public const ulong PageSize = 1UL << PageShift;

    public int CompareTo(Pfn other) => Value.CompareTo(other.Value);

    public static bool operator <(Pfn left, Pfn right) => left.Value < right.Value;

    public static bool operator >(Pfn left, Pfn right) => left.Value > right.Value;

    public static bool operator <=(Pfn left, Pfn right) => left.Value <= right.Value;

    public static bool operator >=(Pfn left, Pfn right) => left.Value >= right.Value;

    public override string ToString() => $"0x{Value:x}";
}
