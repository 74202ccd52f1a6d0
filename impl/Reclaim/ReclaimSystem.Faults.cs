using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// A CPU's access through its TLB and the page walk, the page-fault handler's entry (handle_pte_fault: fault-in,
/// swap-in, write-protect fault) and pin_user_pages. Every frame a fault needs is counted before anything changes.
/// </summary>
public sealed partial class ReclaimSystem
{
    /// <summary>
    /// One load or store: the CPU's TLB entry when it allows the access, else the walk (accessed and dirty bits,
    /// the TLB filled) after handle_mm_fault resolved whatever stopped it.
    /// </summary>
    public Result<ulong> Access(AsId mm, CpuId cpu, VirtAddr addr, bool write, ulong value)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        if (cpu.Value < 0 || cpu.Value >= Config.Cpus)
        {
            return new NoSuchCpu(cpu, Config.Cpus);
        }

        var vpn = addr.Vpn;
        if (m.Find(vpn) is not { } mapping)
        {
            return new NotMapped(mm, addr);
        }

        if (write && mapping.Kind == MapKind.FileExec)
        {
            return new WriteToReadOnly(mm, addr);
        }

        var tlb = _tlb[cpu.Value];
        if (tlb.TryGet(mm.Value, vpn, out var hit) && (!write || (hit.Writable && hit.Dirty)))
        {
            return Touch(hit.Frame, write, value);
        }

        if (CheckFault(m, mapping, vpn, write) is { } error)
        {
            return error;
        }

        if (mapping.Kind == MapKind.Anon && !write && !m.Ptes.ContainsKey(vpn))
        {
            return 0UL;
        }

        var pte = Resolve(m, mapping, vpn, write, walk: true);
        tlb.Set(mm.Value, vpn, new TlbData(pte.Frame, pte.Writable, pte.Dirty));
        return Touch(pte.Frame, write, value);
    }

    /// <summary>
    /// pin_user_pages(FOLL_WRITE): the page faulted in as a write fault would (no TLB fill, no accessed or dirty bit
    /// set by the walk: FOLL_TOUCH is not set) and a pin taken. A read-only (text) mapping refuses FOLL_WRITE.
    /// </summary>
    public Result<Unit> Pin(AsId mm, VirtAddr addr)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        var vpn = addr.Vpn;
        if (m.Find(vpn) is not { } mapping)
        {
            return new NotMapped(mm, addr);
        }

        if (mapping.Kind == MapKind.FileExec)
        {
            return new WriteToReadOnly(mm, addr);
        }

        if (CheckFault(m, mapping, vpn, write: true) is { } error)
        {
            return error;
        }

        _pins[Resolve(m, mapping, vpn, write: true, walk: false).Frame]++;
        _pinnedAt[(mm.Value, vpn)] = _pinnedAt.GetValueOrDefault((mm.Value, vpn)) + 1;
        return Unit.Value;
    }

    /// <summary>
    /// unpin_user_page of the page mapped at the address: one of the pins taken through this entry, or, with none,
    /// of those taken through the lowest other entry mapping the page (unpin_user_page knows only the page).
    /// </summary>
    public Result<Unit> Unpin(AsId mm, VirtAddr addr)
    {
        if (!_mms.TryGetValue(mm.Value, out var m))
        {
            return new UnknownAddressSpace(mm);
        }

        if (m.Find(addr.Vpn) is null)
        {
            return new NotMapped(mm, addr);
        }

        if (!m.Ptes.TryGetValue(addr.Vpn, out var pte) || pte.IsSwap || _pins[pte.Frame] == 0)
        {
            return new NotPinned(mm, addr);
        }

        _pins[pte.Frame]--;
        var at = _pinnedAt.ContainsKey((mm.Value, addr.Vpn)) ? (mm.Value, addr.Vpn)
            : _rmap[pte.Frame]!.Where(_pinnedAt.ContainsKey).Min();
        if (--_pinnedAt[at] == 0)
        {
            _pinnedAt.Remove(at);
        }

        return Unit.Value;
    }

    /// <summary>The word of the frame read, or written (the word before returned).</summary>
    private ulong Touch(int frame, bool write, ulong value)
    {
        var old = _content[frame];
        if (write)
        {
            _content[frame] = value;
        }

        return old;
    }

    /// <summary>
    /// handle_mm_fault until the entry allows the access (at most a fault-in or swap-in, then a write-protect
    /// fault), then the walk's accessed and dirty bits when the hardware walked (not for GUP).
    /// </summary>
    private Pte Resolve(ReclaimMm m, Mapping mapping, ulong vpn, bool write, bool walk)
    {
        var bound = new LoopBound(3);
        while (true)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            if (!m.Ptes.TryGetValue(vpn, out var pte))
            {
                FaultIn(m, mapping, vpn, write);
            }
            else if (pte.IsSwap)
            {
                SwapInPte(m, vpn, pte, write);
            }
            else if (write && !pte.Writable)
            {
                WriteProtectFault(m, mapping, vpn, pte);
            }
            else
            {
                if (walk)
                {
                    pte.Young = true;
                    pte.Dirty |= write;
                    m.Ptes[vpn] = pte;
                }

                return pte;
            }
        }
    }

    /// <summary>
    /// What stops the faults an access needs before anything changes: a swap entry whose slot no reference holds
    /// (swap_map count 0: the "Unused swap offset entry" do_swap_page would find), or fewer free frames than the
    /// faults take (VM_FAULT_OOM).
    /// </summary>
    private MmError? CheckFault(ReclaimMm m, Mapping mapping, ulong vpn, bool write)
    {
        if (m.Ptes.TryGetValue(vpn, out var pte) && pte.IsSwap && _swap[pte.SwapType]!.Count(pte.SwapOffset) == 0)
        {
            return new BadSwapEntry(pte.Swap, "no reference holds the slot");
        }

        var needed = FramesNeeded(m, mapping, vpn, write);
        var free = AllocatableFrames();
        return needed > free ? new ReclaimOutOfMemory(needed, free) : null;
    }

    /// <summary>
    /// The frames the access's faults take: a new page (zero-filled anonymous memory, a page-cache miss, a swap
    /// cache miss) and a copy-on-write copy. A write swap-in mapped read-only (the entry had other references) is
    /// copied at once by the write-protect fault that follows; a miss on a slot only this entry holds skips the swap
    /// cache and is mapped writable, so it takes one frame.
    /// </summary>
    private ulong FramesNeeded(ReclaimMm m, Mapping mapping, ulong vpn, bool write)
    {
        if (!m.Ptes.TryGetValue(vpn, out var pte))
        {
            return mapping.Kind switch
            {
                MapKind.Anon => write ? 1UL : 0,
                MapKind.Shmem => _shmem[mapping.Object].Resident.ContainsKey(mapping.PgOff(vpn)) ? 0UL : 1,
                _ => _fileCache.ContainsKey(FileKey(mapping.Object, mapping.PgOff(vpn))) ? 0UL : 1,
            };
        }

        if (pte.IsSwap)
        {
            var area = _swap[pte.SwapType]!;
            var cached = area.Cache(pte.SwapOffset);
            var exclusive = area.Count(pte.SwapOffset) == 1 && (cached < 0 || _mapCount[cached] == 0);
            return (cached < 0 ? 1UL : 0) + (write && !exclusive ? 1UL : 0);
        }

        return write && !pte.Writable && mapping.Kind == MapKind.Anon && NeedsCopy(pte.Frame) ? 1UL : 0;
    }
}
