namespace MMSpec.Model.Paging.Segmentation;

/// <summary>An x86 segment selector: index in bits 15..3, table indicator in bit 2, requested privilege level in bits
/// 1..0.</summary>
public readonly record struct Selector(ushort Value)
{
    public const int MaxIndex = (1 << 13) - 1;

    /// <summary>The selector of a descriptor, as the kernel writes it (GDT_ENTRY_KERNEL_CS*8,
    /// GDT_ENTRY_DEFAULT_USER_CS*8 + 3).</summary>
    public static Selector Of(int index, TableIndicator table, PrivilegeLevel rpl)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, MaxIndex);
        return new Selector((ushort)((index * 8) + ((int)table * 4) + rpl.Value));
    }

    public int Index => Value / 8;

    public TableIndicator Table => (TableIndicator)((Value / 4) & 1);

    public PrivilegeLevel Rpl => new(Value & 3);

    /// <summary>The error code a #GP or #NP on this selector pushes: the selector with the RPL bits clear.</summary>
    public ushort ErrorCode => (ushort)(Value & ~3);

    /// <summary>Index 0 of the GDT, whatever the RPL: loading it is allowed, using it faults.</summary>
    public bool IsNull => Index == 0 && Table == TableIndicator.Gdt;

    public override string ToString() =>
        $"0x{Value:x} (index {Index}, {Table.ToString().ToUpperInvariant()}, RPL {Rpl})";
}
