using MMSpec.Model.Core;

namespace MMSpec.Model.Paging.Segmentation;

/// <summary>
/// Logical to linear translation: the descriptor the selector names gives base, limit and privilege; linear =
/// base + offset, wrapping at the table's linear width. Checks run in the order of the Intel SDM's segment-load
/// pseudocode (null, table limit, privilege, present), then those of the access itself (type, then limit).
/// </summary>
public static class SegmentTranslation
{
    public static Result<ulong> Translate(DescriptorTable table, Selector selector, ulong offset, PrivilegeLevel cpl,
        SegmentAccess access)
    {
        ArgumentNullException.ThrowIfNull(table);
        var descriptor = Descriptor(table, selector);
        if (descriptor.Error is { } missing)
        {
            return missing;
        }

        var segment = descriptor.Value;
        if (!Permits(selector, segment.Dpl, cpl, access))
        {
            return new PrivilegeViolation(selector, cpl, segment.Dpl, access);
        }

        if (!segment.Present)
        {
            return new SegmentNotPresent(selector);
        }

        if (TypeFault(selector, segment, access) is { } wrongType)
        {
            return wrongType;
        }

        return offset > segment.Limit
            ? new SegmentLimitViolation(selector, offset, segment.Limit)
            : (segment.Base + offset) & table.LinearMax;
    }

    private static Result<SegmentDescriptor> Descriptor(DescriptorTable table, Selector selector)
    {
        if (selector.IsNull)
        {
            return new NullSelector(selector);
        }

        if (selector.Table == TableIndicator.Ldt)
        {
            return new LocalTableSelector(selector);
        }

        return selector.Index >= table.Entries.Length
            ? new SelectorBeyondTable(selector, table.Entries.Length)
            : table.Entries[selector.Index];
    }

    /// <summary>
    /// Data access (MOV to DS/ES/SS): max(CPL, RPL) &lt;= DPL. Fetch (far JMP to a nonconforming code segment):
    /// RPL &lt;= CPL and DPL == CPL; conforming code segments are not modelled.
    /// </summary>
    private static bool Permits(Selector selector, PrivilegeLevel dpl, PrivilegeLevel cpl, SegmentAccess access) =>
        access == SegmentAccess.Fetch
            ? selector.Rpl.Value <= cpl.Value && dpl == cpl
            : PrivilegeLevel.LeastPrivileged(cpl, selector.Rpl).Value <= dpl.Value;

    /// <summary>Type checks: fetch needs a code segment, read a data or readable code segment, write a writable data
    /// segment.</summary>
    private static MmError? TypeFault(Selector selector, SegmentDescriptor segment, SegmentAccess access) =>
        access switch
    {
        SegmentAccess.Fetch when segment.Kind == SegmentKind.Data => new FetchFromDataSegment(selector),
        SegmentAccess.Read when !segment.Readable => new ReadFromExecuteOnlySegment(selector),
        SegmentAccess.Write when !segment.Writable => new WriteToReadOnlySegment(selector, segment.Kind),
        _ => null,
    };
}
