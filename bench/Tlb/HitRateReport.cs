using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Bench.Tlb;

/// <summary>
/// dotnet run -c Release --project bench -- hitrates: the implementation's TLB hit rate for each MmuBench workload.
/// </summary>
public static class HitRateReport
{
    public static void Print(TextWriter output)
    {
        foreach (var workload in new[] { "locality", "random" })
        {
            var targets = new VirtAddr[1 << 16];
            var (machine, cpu) = MmuBench.Build("impl", workload, targets);
            var tlb = machine.TlbOf(cpu);
            var (hits, misses) = (tlb.Hits, tlb.Misses);
            foreach (var target in targets)
            {
                machine.Access(cpu, target, Access.Read, Privilege.User, 0);
            }

            var h = tlb.Hits - hits;
            var m = tlb.Misses - misses;
            output.WriteLine($"{workload,-9} {targets.Length} accesses over {MmuBench.Pages} pages: {h} hits, "
                + $"{m} misses, hit rate {100.0 * h / (h + m):F1}%");
        }
    }
}
