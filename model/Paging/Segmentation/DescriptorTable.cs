using System.Collections.Immutable;

namespace MMSpec.Model.Paging.Segmentation;

/// <summary>
/// A global descriptor table: entry 0 is the null descriptor, entries without a segment are not present.
/// LinearBits is the width of the linear address space the segments map into (32 on i386, 64 on x86-64).
/// </summary>
public sealed record DescriptorTable
{
    private DescriptorTable(int linearBits, ImmutableArray<SegmentDescriptor> entries)
    {
        LinearBits = linearBits;
        Entries = entries;
    }

    public int LinearBits { get; }

    public ImmutableArray<SegmentDescriptor> Entries { get; }

    /// <summary>The largest linear address: 2^LinearBits - 1.</summary>
    public ulong LinearMax => LinearBits == 64 ? ulong.MaxValue : (1UL << LinearBits) - 1;

    /// <summary>A table that holds only the null descriptor.</summary>
    public static DescriptorTable Empty(int linearBits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(linearBits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(linearBits, 64);
        return new DescriptorTable(linearBits, [SegmentDescriptor.Null]);
    }

    /// <summary>This table with entry <paramref name="index"/> set, growing it with not-present entries as
    /// needed.</summary>
    public DescriptorTable With(int index, SegmentDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentOutOfRangeException.ThrowIfLessThan(index, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, Selector.MaxIndex);
        var grown = Entries.AddRange(Enumerable.Repeat(SegmentDescriptor.Null,
            Math.Max(0, index + 1 - Entries.Length)));
        return new DescriptorTable(LinearBits, grown.SetItem(index, descriptor));
    }

    public bool Equals(DescriptorTable? other) =>
        other is not null && LinearBits == other.LinearBits && Entries.SequenceEqual(other.Entries);

    public override int GetHashCode() => HashCode.Combine(LinearBits, Entries.Length);

    public override string ToString() =>
        string.Join('\n',
            Entries.Select((entry, index) => $"{index,4}: {entry}").Prepend($"GDT, {LinearBits}-bit linear space"));
}
