using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using AccessKind = MMSpec.Model.Paging.Access;

namespace MMSpec.Model.Tlb;

/// <summary>The MMU: <see cref="Access"/>'s TLB and PDE-cache lookup, the walk on a miss, and the fault path.</summary>
public partial class Machine
{
    /// <summary>One byte through the MMU of <paramref name="cpu"/>, in the address space it runs.</summary>
    public Result<byte> Access(CpuId cpu, VirtAddr addr, Access access, Privilege privilege, byte value)
    {
        if (Running(cpu, out var c) is { } error)
        {
            return error;
        }

        var mm = c.Mm!.Value;
        var vpn = addr.Vpn;
        var region = PdeRegion(addr);
        for (var attempt = 0; ; attempt++)
        {
            if (Hit(c, addr, access, privilege, value) is { } hit)
            {
                return hit;
            }

            var walked = Walk(c, mm, addr, access, privilege, region);
            if (walked.IsOk)
            {
                return Touch(walked.Value, addr, access, value);
            }

            if (walked.Error is not PageFault fault)
            {
                return walked.Error!;
            }

            if (region is { } faulted)
            {
                // SDM 4.10.4.1: a page fault drops the paging-structure-cache entries its address used, in the
                // current PCID.
                c.Tlb.InvalidatePageTable(c.Pcid, faulted);
            }

            var handled = attempt == 2
                ? new SegmentationFault(addr, access, privilege, fault)
                : Paging.HandleFault(mm, fault, access, privilege);
            if (!handled.IsOk)
            {
                return handled.Error!;
            }

            if (fault.Kind == FaultKind.WriteToReadOnly)
            {
                // Copy-on-write replaced the entry with a new frame: ptep_clear_flush flushes the old one everywhere.
                Flush(cpu, mm, vpn, vpn);
            }
        }
    }

    /// <summary>
    /// The access through the TLB entry for its page, when there is one that gives it; an entry that lacks a right
    /// (or D for a write) is dropped, and the CPU walks, as after a spurious fault.
    /// </summary>
    private Result<byte>? Hit(Cpu c, VirtAddr addr, Access access, Privilege privilege, byte value)
    {
        if (!c.Tlb.TryLookup(c.Pcid, addr.Vpn, out var cached))
        {
            return null;
        }

        if (Permits(cached.Translation.Flags, access, privilege))
        {
            return Touch(cached.Translation.Frame, addr, access, value);
        }

        c.Tlb.InvalidatePage(c.Pcid, addr.Vpn, cached.Global);
        return null;
    }

    /// <summary>
    /// The walk on a TLB miss, from the page table the PDE cache holds for the region when it holds one: the frame,
    /// with the TLB (and the PDE cache, after a whole walk) filled; or the walk's fault.
    /// </summary>
    private Result<Pfn> Walk(Cpu c, AsId mm, VirtAddr addr, Access access, Privilege privilege, ulong? region)
    {
        var pageTable = default(Pfn);
        var fromCachedTable = region is { } cachedRegion
            && c.Tlb.TryLookupPageTable(c.Pcid, cachedRegion, out pageTable);
        var walked = fromCachedTable
            ? Paging.TranslateFrom(mm, pageTable, addr, access, privilege)
            : Paging.Translate(mm, addr, access, privilege);
        if (!walked.IsOk)
        {
            return walked.Error!;
        }

        var translation = walked.Value.Translation;
        var global = translation.Flags.HasFlag(PteFlags.Global);
        c.Tlb.Fill(new TlbEntry(global ? default : c.Pcid, addr.Vpn, translation, global));
        if (region is { } walkedRegion && !fromCachedTable)
        {
            c.Tlb.FillPageTable(new PdeCacheEntry(c.Pcid, walkedRegion, walked.Value.PageTable));
        }

        return translation.Frame;
    }

    /// <summary>
    /// Whether a cached entry gives this access: user needs U/S, a write needs R/W and D already set, a fetch needs NX
    /// clear.
    /// </summary>
    private static bool Permits(PteFlags flags, Access access, Privilege privilege) =>
        (privilege == Privilege.Supervisor || flags.HasFlag(PteFlags.User))
        && (access != AccessKind.Write || flags.HasFlag(PteFlags.ReadWrite | PteFlags.Dirty))
        && (access != AccessKind.Fetch || !flags.HasFlag(PteFlags.NoExecute));

    private Result<byte> Touch(Pfn frame, VirtAddr addr, Access access, byte value)
    {
        var offset = addr.Value & (Pfn.PageSize - 1);
        if (access == AccessKind.Write)
        {
            Paging.WriteFrame(frame, offset, value);
            return value;
        }

        return Paging.ReadFrame(frame, offset);
    }

    /// <summary>
    /// The region whose page table the PDE cache may hold for this address: user addresses only. The SDM lets a
    /// CPU cache any subset, and leaving the kernel's out means vfree's freed kernel tables need no such flush.
    /// </summary>
    private ulong? PdeRegion(VirtAddr addr) =>
        addr.Value < Paging.Format.UserTop ? addr.Value & ~(Paging.Format.PageTableSpan - 1) : null;
}
