using MMSpec.Model.Core;

namespace MMSpec.Model.Paging.Segmentation;

/// <summary>A memory access through a null selector (GDT index 0): #GP(0).</summary>
public sealed record NullSelector(Selector Selector) : MmError
{
    public override string Message => $"#GP(0): access through the null selector {Selector}";
}

/// <summary>A selector with TI = 1: this model has only a GDT (Linux builds an LDT only for modify_ldt).</summary>
public sealed record LocalTableSelector(Selector Selector) : MmError
{
    public override string Message => $"selector {Selector} refers to an LDT, and only the GDT is modelled";
}

/// <summary>A selector index at or beyond the table's end (index * 8 + 7 > GDTR.limit): #GP(selector).</summary>
public sealed record SelectorBeyondTable(Selector Selector, int Entries) : MmError
{
    public override string Message =>
        $"#GP(0x{Selector.ErrorCode:x}): selector {Selector} is beyond the table's {Entries} entries";
}

/// <summary>max(CPL, RPL) > DPL for a data access, or DPL != CPL or RPL > CPL for a fetch: #GP(selector).</summary>
public sealed record PrivilegeViolation(Selector Selector, PrivilegeLevel Cpl, PrivilegeLevel Dpl, SegmentAccess Access)
    : MmError
{
    public override string Message =>
        $"#GP(0x{Selector.ErrorCode:x}): {Access.ToString().ToLowerInvariant()} at CPL {Cpl} with RPL {Selector.Rpl} "
            + $"through a DPL {Dpl} segment";
}

/// <summary>A descriptor with the P bit clear: #NP(selector).</summary>
public sealed record SegmentNotPresent(Selector Selector) : MmError
{
    public override string Message => $"#NP(0x{Selector.ErrorCode:x}): segment {Selector} is not present";
}

/// <summary>A write to a data segment without the W bit, or to any code segment: #GP(0).</summary>
public sealed record WriteToReadOnlySegment(Selector Selector, SegmentKind Kind) : MmError
{
    public override string Message =>
        $"#GP(0): write through {Selector} to a read-only {Kind.ToString().ToLowerInvariant()} segment";
}

/// <summary>A data read from a code segment without the R bit: #GP(0).</summary>
public sealed record ReadFromExecuteOnlySegment(Selector Selector) : MmError
{
    public override string Message => $"#GP(0): read through {Selector} from an execute-only code segment";
}

/// <summary>An instruction fetch through a data segment (loading it into CS): #GP(selector).</summary>
public sealed record FetchFromDataSegment(Selector Selector) : MmError
{
    public override string Message =>
        $"#GP(0x{Selector.ErrorCode:x}): instruction fetch through data segment {Selector}";
}

/// <summary>An offset beyond the segment's limit: #GP(0) (#SS(0) for the stack segment).</summary>
public sealed record SegmentLimitViolation(Selector Selector, ulong Offset, ulong Limit) : MmError
{
    public override string Message => $"#GP(0): offset 0x{Offset:x} through {Selector} is beyond the limit 0x{Limit:x}";
}
