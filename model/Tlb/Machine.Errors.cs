using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MmapCall = MMSpec.Model.Paging.Mmap;
using MprotectCall = MMSpec.Model.Paging.Mprotect;
using MunmapCall = MMSpec.Model.Paging.Munmap;

namespace MMSpec.Model.Tlb;

/// <summary>Which errors apply to a call, for the levels that accept any of them.</summary>
public partial class Machine
{
    /// <summary>
    /// Every error that applies to an mmap, munmap or mprotect a CPU makes, Linux's first (what the call returns): the
    /// CPU's own (no such CPU, no address space), else the paging model's for the space it runs
    /// (<see cref="PagingModel.ErrorsOf"/>). Null for the other calls, which break one check at a time, and when the
    /// machine's paging is not the model.
    /// </summary>
    public IReadOnlyList<MmError>? ErrorsOf(MachineOp op)
    {
        (CpuId Cpu, Func<AsId, PagingOp> Call)? target = op switch
        {
            MachineOp.Mmap m => (m.Cpu, mm => new MmapCall(mm, m.Request)),
            MachineOp.Munmap u => (u.Cpu, mm => new MunmapCall(mm, u.Addr, u.Pages)),
            MachineOp.Mprotect p => (p.Cpu, mm => new MprotectCall(mm, p.Addr, p.Pages, p.Prot)),
            _ => null,
        };
        if (target is not var (cpu, call))
        {
            return null;
        }

        return Running(cpu, out var c) is { } error ? [error] : (Paging as PagingModel)?.ErrorsOf(call(c.Mm!.Value));
    }
}
