using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;

namespace MMSpec.Model.Reclaim;

public partial class ReclaimModel
{
    private readonly Dictionary<(int Cpu, int Mm, ulong Page), TlbEntry> _tlb = [];

    /// <summary>
    /// One access: the TLB entry if it allows it, else the walk, faulting the page in or copying it first.
    /// </summary>
    public Result<ulong> Access(AsId mm, CpuId cpu, VirtAddr addr, bool write, ulong value)
    {
        var checkedSpace = MmOf(mm);
        if (!checkedSpace.IsOk)
        {
            return checkedSpace.Error!;
        }

        if (cpu.Value < 0 || cpu.Value >= Config.Cpus)
        {
            return new NoSuchCpu(cpu, Config.Cpus);
        }

        var space = checkedSpace.Value;
        var page = PageOf(addr);
        if (space.MappingAt(page) is not { } mapping)
        {
            return new NotMapped(mm, addr);
        }

        if (write && mapping.Kind == MapKind.FileExec)
        {
            return new WriteToReadOnly(mm, addr);
        }

        if (_tlb.TryGetValue((cpu.Value, mm.Value, page), out var cached)
            && (!write || (cached.Writable && cached.Dirty)))
        {
            return Touch(_folios[cached.Frame], write, value);
        }

        var fault = Fault(space, mapping, page, write);
        if (!fault.IsOk)
        {
            return fault.Error!;
        }

        if (fault.Value is not { } pfn)
        {
            // A read of untouched anonymous memory: the zero page, nothing mapped.
            return 0UL;
        }

        var pte = space.Ptes[page];
        space.Ptes[page] = pte = pte with { Young = true, Dirty = pte.Dirty || write };
        _tlb[(cpu.Value, mm.Value, page)] = new TlbEntry(cpu, mm, new VirtAddr(page), pfn, pte.Writable, pte.Dirty);
        return Touch(_folios[pfn], write, value);
    }

    private static ulong Touch(Folio folio, bool write, ulong value)
    {
        var old = folio.Content;
        if (write)
        {
            folio.Content = value;
        }

        return old;
    }

    /// <summary>
    /// handle_mm_fault until the entry allows the access: the frame mapped (null for a read of untouched anonymous
    /// memory), or no memory with nothing changed.
    /// </summary>
    private Result<Pfn?> Fault(Mm space, MappingState mapping, ulong page, bool write)
    {
        if (space.Ptes.TryGetValue(page, out var pte) && pte.Frame is { } frame)
        {
            return !write || pte.Writable ? frame : WriteProtectFault(space, mapping, page, pte);
        }

        if (pte.Swap is { } entry)
        {
            return DoSwapPage(space, mapping, page, entry, write);
        }

        return mapping.Kind switch
        {
            MapKind.Anon => write ? DoAnonymousPage(space, page) : (Pfn?)null,
            MapKind.Shmem => ShmemFault(space, mapping, page, write),
            _ => FileFault(space, mapping, page, write),
        };
    }

    /// <summary>do_anonymous_page for a write: a zero-filled folio, mapped writable and dirty.</summary>
    private Result<Pfn?> DoAnonymousPage(Mm space, ulong page)
    {
        var folio = NewFolio(FolioKind.Anon, -1, 0, 0);
        if (folio is null)
        {
            return OutOfFrames(1);
        }

        space.Ptes[page] = new Pte(folio.Pfn, null, Writable: true, Young: true, Dirty: true);
        return folio.Pfn;
    }

    /// <summary>
    /// do_read_fault / do_shared_fault: the page cache's folio, read from disk when missing (a major fault); a read
    /// maps it read-only (write-notify), a write goes on to wp_page_shared.
    /// </summary>
    private Result<Pfn?> FileFault(Mm space, MappingState mapping, ulong page, bool write)
    {
        var index = (page - mapping.Start.Value) / Pfn.PageSize;
        var folio = FileFolio(mapping.Owner, index, majorFault: true);
        if (folio is null)
        {
            return OutOfFrames(1);
        }

        var pte = new Pte(folio.Pfn, null, Writable: false, Young: true, Dirty: false);
        space.Ptes[page] = pte;
        return write ? WriteProtectFault(space, mapping, page, pte) : folio.Pfn;
    }

    /// <summary>
    /// shmem_fault: the object's folio, swapped in or zero-filled, mapped writable (no write-notify).
    /// </summary>
    private Result<Pfn?> ShmemFault(Mm space, MappingState mapping, ulong page, bool write)
    {
        var index = (page - mapping.Start.Value) / Pfn.PageSize;
        var folio = ShmemFolio(mapping.Owner, index, major: true);
        if (folio is null)
        {
            return OutOfFrames(1);
        }

        space.Ptes[page] = new Pte(folio.Pfn, null, Writable: true, Young: true, Dirty: write);
        if (write)
        {
            // do_shared_fault: fault_dirty_shared_page dirties the folio of a write fault on a shared mapping.
            folio.Set(FolioFlags.Dirty, true);
        }

        return folio.Pfn;
    }

    /// <summary>
    /// do_wp_page: a shared file page is dirtied and made writable (wp_page_shared); an anonymous page mapped once
    /// with no other reference is reused (wp_can_reuse_anon_folio), otherwise copied (wp_page_copy). A reused entry
    /// is made young as well as writable and dirty (wp_page_reuse: pte_mkyoung, pte_mkdirty, maybe_mkwrite), which
    /// a pin's fault shows: no CPU access follows it to set the accessed bit.
    /// </summary>
    private Result<Pfn?> WriteProtectFault(Mm space, MappingState mapping, ulong page, Pte pte)
    {
        var folio = _folios[pte.Frame!.Value];
        if (mapping.Kind != MapKind.Anon)
        {
            folio.Set(FolioFlags.Dirty, true);
            space.Ptes[page] = pte with { Writable = true, Young = true, Dirty = true };
            return folio.Pfn;
        }

        if (MapCount(folio.Pfn) == 1 && (folio.Swap is not { } entry || Area(entry).Count[entry.Offset] == 0))
        {
            if (folio.Swap is not null)
            {
                DeleteFromSwapCache(folio, dirty: true);
            }

            space.Ptes[page] = pte with { Writable = true, Young = true, Dirty = true };
            return folio.Pfn;
        }

        var copy = NewFolio(FolioKind.Anon, -1, 0, folio.Content);
        if (copy is null)
        {
            return OutOfFrames(1);
        }

        space.Ptes[page] = new Pte(copy.Pfn, null, Writable: true, Young: true, Dirty: true);
        FlushEverywhere(space.Id, page);
        if (MapCount(folio.Pfn) == 0)
        {
            DropUnmappedAnon(folio);
        }

        return copy.Pfn;
    }

    /// <summary>
    /// A new folio on a frame from the buddy allocator, at the head of its inactive list; null if none.
    /// </summary>
    private Folio? NewFolio(FolioKind kind, int obj, ulong index, ulong content)
    {
        if (Allocatable() == 0)
        {
            return null;
        }

        var frame = _pages.AllocPages(new Buddy.Order(0), Buddy.ZoneType.Normal);
        if (!frame.IsOk)
        {
            return null;
        }

        var folio = new Folio(frame.Value, kind, obj, index, content);
        _folios[folio.Pfn] = folio;
        AddToLru(folio);
        return folio;
    }

    /// <summary>The folio removed from its list and its frame given back to the buddy allocator.</summary>
    private void FreeFolio(Folio folio)
    {
        RemoveFromLru(folio);
        ReleaseFrame(folio);
    }

    /// <summary>An isolated folio's frame given back to the buddy allocator (free_unref_folios).</summary>
    private void ReleaseFrame(Folio folio)
    {
        _folios.Remove(folio.Pfn);
        var freed = _pages.FreePages(folio.Pfn, new Buddy.Order(0));
        System.Diagnostics.Debug.Assert(freed.IsOk, $"a folio's frame {folio.Pfn} was not allocated");
    }

    /// <summary>flush_tlb_page on every CPU: the page's entries of the address space gone.</summary>
    private void FlushEverywhere(AsId mm, ulong page)
    {
        for (var cpu = 0; cpu < Config.Cpus; cpu++)
        {
            _tlb.Remove((cpu, mm.Value, page));
        }
    }

    private ReclaimOutOfMemory OutOfFrames(ulong needed) => new(needed, Allocatable());

    /// <summary>The free frames an allocation may take: those above the watermark.</summary>
    private ulong Allocatable()
    {
        var free = _pages.Snapshot().FreePages;
        return free > _watermark ? free - _watermark : 0;
    }

    /// <summary>flush_tlb_mm: every CPU's entries of the address space gone.</summary>
    private void FlushMm(AsId mm)
    {
        foreach (var key in _tlb.Keys.Where(k => k.Mm == mm.Value).ToList())
        {
            _tlb.Remove(key);
        }
    }

    private static ulong PageOf(VirtAddr addr) => addr.Value & ~(Pfn.PageSize - 1);
}
