namespace MMSpec.Model.Paging.Segmentation;

/// <summary>
/// A code or data segment descriptor (desc_struct): base, limit in bytes (the last valid offset), DPL, type and P bit.
/// A data segment is always readable and may be writable; a code segment is never writable and may be readable.
/// </summary>
public sealed record SegmentDescriptor
{
    private SegmentDescriptor(ulong @base, ulong limit, PrivilegeLevel dpl, SegmentKind kind, bool writable,
        bool readable, bool present)
    {
        Base = @base;
        Limit = limit;
        Dpl = dpl;
        Kind = kind;
        Writable = writable;
        Readable = readable;
        Present = present;
    }

    /// <summary>Entry 0 of the GDT: all zero, not present.</summary>
    public static SegmentDescriptor Null { get; } = new(0, 0, PrivilegeLevel.Kernel, SegmentKind.Data, false, false,
        false);

    public ulong Base { get; }

    public ulong Limit { get; }

    public PrivilegeLevel Dpl { get; }

    public SegmentKind Kind { get; }

    public bool Writable { get; }

    public bool Readable { get; }

    public bool Present { get; }

    public static SegmentDescriptor Code(ulong @base, ulong limit, PrivilegeLevel dpl, bool readable = true) =>
        new(@base, limit, dpl, SegmentKind.Code, false, readable, true);

    public static SegmentDescriptor Data(ulong @base, ulong limit, PrivilegeLevel dpl, bool writable = true) =>
        new(@base, limit, dpl, SegmentKind.Data, writable, true, true);

    /// <summary>The same descriptor with the P bit clear (the segment was swapped out, or never set up).</summary>
    public SegmentDescriptor NotPresent() => new(Base, Limit, Dpl, Kind, Writable, Readable, false);

    public override string ToString() =>
        $"{Kind.ToString().ToLowerInvariant()} base 0x{Base:x} limit 0x{Limit:x} DPL {Dpl} "
            + $"{(Readable ? "r" : "-")}{(Writable ? "w" : "-")}{(Kind == SegmentKind.Code ? "x" : "-")}"
            + $"{(Present ? "" : " not present")}";
}
