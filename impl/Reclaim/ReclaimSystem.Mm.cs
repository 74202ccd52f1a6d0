using System.Diagnostics;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;

namespace MMSpec.Impl.Reclaim;

/// <summary>Address spaces and their mappings: mm_alloc, dup_mmap, exit_mmap, mmap and munmap.</summary>
public sealed partial class ReclaimSystem
{
    /// <summary>The first mapping's page (0x10000, above mmap_min_addr).</summary>
    private const ulong FirstUserVpn = 0x10000 / Pfn.PageSize;

    /// <summary>TASK_SIZE with four-level paging, in pages: no mapping ends above it.</summary>
    private const ulong UserTopVpn = 0x7fff_ffff_f000 / Pfn.PageSize;

    private const ulong MaxMapPages = 65536;

    // Reused by unmap and fork: the pages of a range that have an entry.
    private readonly List<ulong> _vpns = [];

    /// <summary>mm_alloc: a new, empty address space, numbered after the last one.</summary>
    public Result<AsId> CreateMm()
    {
        var id = new AsId(_nextMm++);
        _mms.Add(id.Value, new ReclaimMm(id));
        return id;
    }

    /// <summary>
    /// dup_mmap: every mapping copied (a shmem object shared); only anonymous mappings' entries are copied
    /// (vma_needs_copy): a present page write-protected in the parent and mapped old in the child, a swap entry
    /// duplicated. A pinned page is copied for the child at once (copy_present_page: the pin must stay with the
    /// parent), so the frames those copies take are checked first. Then flush_tlb_mm drops every TLB entry of the
    /// parent on every CPU (ptep_set_wrprotect flushed none).
    /// </summary>
    public Result<AsId> Fork(AsId parent)
    {
        if (!_mms.TryGetValue(parent.Value, out var from))
        {
            return new UnknownAddressSpace(parent);
        }

        var pinned = (ulong)from.Ptes.Count(p => !p.Value.IsSwap && _pins[p.Value.Frame] > 0
            && KindOf(p.Value.Frame) == FolioKind.Anon);
        var free = AllocatableFrames();
        if (pinned > free)
        {
            return new ReclaimOutOfMemory(pinned, free);
        }

        var child = new ReclaimMm(new AsId(_nextMm++));
        foreach (var mapping in from.Mappings)
        {
            child.Mappings.Add(mapping);
            if (mapping.Kind == MapKind.Shmem)
            {
                _shmem[mapping.Object].Maps++;
            }
            else if (mapping.Kind == MapKind.Anon)
            {
                CopyAnonEntries(from, child, mapping);
            }
        }

        _mms.Add(child.Id.Value, child);
        FlushMm(from.Id.Value);
        return child.Id;
    }

    /// <summary>exit_mmap: every mapping unmapped, then the address space gone (and off the mmlist).</summary>
    public Result<Unit> ExitMm(AsId mm)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        foreach (var mapping in m.Mappings)
        {
            Unmap(m, mapping);
        }

        Debug.Assert(m.Ptes.Count == 0, "exit leaves no entry");
        _mms.Remove(mm.Value);
        _mmlist.Remove(mm.Value);
        return Unit.Value;
    }

    /// <summary>
    /// do_mmap: the mapping placed after the highest end (the first at 0x10000); a shmem mapping gets a new object
    /// (shmem_zero_setup).
    /// </summary>
    public Result<VirtAddr> Mmap(AsId mm, MapKind kind, int file, ulong pages)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        var start = m.NextVpn(FirstUserVpn);
        if (pages is 0 or > MaxMapPages)
        {
            return new InvalidRange(new VirtAddr(start * Pfn.PageSize), pages, $"a mapping has 1..{MaxMapPages} pages");
        }

        var isFile = kind is MapKind.File or MapKind.FileExec;
        if (isFile && (file < 0 || file >= Config.Files))
        {
            return new NoSuchFilePage(file, 0);
        }

        if (isFile && pages > Config.FilePages)
        {
            return new NoSuchFilePage(file, Config.FilePages);
        }

        if (start + pages > UserTopVpn)
        {
            return new NoVirtualSpace(pages);
        }

        var obj = isFile ? file : kind == MapKind.Shmem ? _nextShmem++ : -1;
        if (kind == MapKind.Shmem)
        {
            _shmem.Add(obj, new ShmemObject(obj));
        }

        m.Mappings.Add(new Mapping(start, pages, kind, obj));
        return new VirtAddr(start * Pfn.PageSize);
    }

    /// <summary>do_vmi_munmap of the whole mapping starting at the address.</summary>
    public Result<Unit> Munmap(AsId mm, VirtAddr start)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        var at = start.Value % Pfn.PageSize == 0 ? m.Mappings.FindIndex(v => v.FirstVpn == start.Vpn) : -1;
        if (at < 0)
        {
            return new NotMapped(mm, start);
        }

        Unmap(m, m.Mappings[at]);
        m.Mappings.RemoveAt(at);
        return Unit.Value;
    }

    /// <summary>
    /// unmap_vmas and the mapping's end: every entry zapped, and a shmem object with no mapping left gone, its
    /// folios freed and its swap slots released (shmem_evict_inode).
    /// </summary>
    private void Unmap(ReclaimMm m, Mapping mapping)
    {
        EntriesIn(m, mapping);
        foreach (var vpn in _vpns)
        {
            ZapPte(m, vpn, m.Ptes[vpn]);
        }

        if (mapping.Kind != MapKind.Shmem || --_shmem[mapping.Object].Maps > 0)
        {
            return;
        }

        var shmem = _shmem[mapping.Object];
        foreach (var pfn in shmem.Resident.Values)
        {
            FreeFolio(pfn);
        }

        foreach (var entry in shmem.Swapped.Values)
        {
            FreeSwapAndCache(entry.Type.Value, entry.Offset);
        }

        _shmem.Remove(shmem.Id);
        _shmemSwaplist.Remove(shmem.Id);
    }

    /// <summary>copy_pte_range for one anonymous mapping, in address order.</summary>
    private void CopyAnonEntries(ReclaimMm from, ReclaimMm child, Mapping mapping)
    {
        EntriesIn(from, mapping);
        foreach (var vpn in _vpns)
        {
            var pte = from.Ptes[vpn];
            if (pte.IsSwap)
            {
                SwapDuplicate(pte.SwapType, pte.SwapOffset);
                child.Ptes[vpn] = pte;
                if (!_mmlist.Contains(child.Id.Value))
                {
                    Debug.Assert(_mmlist.Contains(from.Id.Value), "a parent with swap entries is on the mmlist");
                    _mmlist.Insert(_mmlist.IndexOf(from.Id.Value) + 1, child.Id.Value);
                }
            }
            else if (_pins[pte.Frame] > 0)
            {
                var copy = NewFolio(FolioKind.Anon, -1, 0, _content[pte.Frame]);
                LruAddHead(copy);
                MapPage(child, vpn, copy, writable: true, young: true, dirty: true);
            }
            else
            {
                from.Ptes[vpn] = pte with { Writable = false };
                MapPage(child, vpn, pte.Frame, writable: false, young: false, dirty: pte.Dirty);
            }
        }
    }

    /// <summary>The pages of a mapping that have an entry, in address order, into the scratch list.</summary>
    private void EntriesIn(ReclaimMm m, Mapping mapping)
    {
        _vpns.Clear();
        if (mapping.Pages <= (ulong)m.Ptes.Count)
        {
            for (var vpn = mapping.FirstVpn; vpn < mapping.EndVpn; vpn++)
            {
                if (m.Ptes.ContainsKey(vpn))
                {
                    _vpns.Add(vpn);
                }
            }

            return;
        }

        foreach (var vpn in m.Ptes.Keys)
        {
            if (mapping.Covers(vpn))
            {
                _vpns.Add(vpn);
            }
        }

        _vpns.Sort();
    }
}
