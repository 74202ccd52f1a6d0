using BenchmarkDotNet.Attributes;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Impl.Tlb;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;

namespace MMSpec.Bench.Tlb;

/// <summary>
/// Accesses through one CPU's MMU (4-level paging, PCIDs on, a 16 x 4 TLB) to 4096 mapped pages. With locality,
/// 99 accesses in 100 go to a working set of 32 pages (the articles' point: a hit rate near 100%); without,
/// pages are uniform. The implementation's TLB against the reference machine, which walks every access.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class MmuBench
{
    public const int Pages = 4096;
    private const int Steps = 4096;

    private readonly VirtAddr[] _targets = new VirtAddr[Steps];
    private Machine _machine = null!;
    private CpuId _cpu;

    [Params("impl", "model")]
    public string Side { get; set; } = "impl";

    [Params("locality", "random")]
    public string Workload { get; set; } = "locality";

    [GlobalSetup]
    public void Setup() => (_machine, _cpu) = Build(Side, Workload, _targets);

    [Benchmark(OperationsPerInvoke = Steps)]
    public int Access()
    {
        var sum = 0;
        foreach (var target in _targets)
        {
            sum += _machine.Access(_cpu, target, Model.Paging.Access.Read, Privilege.User, 0).Value;
        }

        return sum;
    }

    /// <summary>A machine with <see cref="Pages"/> pages faulted in on CPU 0, and the workload's addresses.</summary>
    public static (Machine Machine, CpuId Cpu) Build(string side, string workload, VirtAddr[] targets)
    {
        var layout = MemoryLayout.Flat(2 * Pages);
        var format = PagingFormat.FourLevel;
        var config = new MachineConfig(1, true);
        var machine = side == "impl"
            ? new Machine(new PagingSystem(format, new BuddyAllocator(layout)), config,
                _ => new SetAssociativeTlb(config.Sets, config.Ways, config.PdeEntries))
            : new Machine(new PagingModel(format, new BuddyModel(layout)), config, _ => new AllowedEntries());
        var cpu = new CpuId(0);
        var mm = machine.CreateAddressSpace().Value;
        machine.SwitchMm(cpu, mm);
        var start = machine.Mmap(cpu, new MmapRequest(Pages, VmProt.Read | VmProt.Write, null, 0, false)).Value;
        for (var page = 0UL; page < Pages; page++)
        {
            machine.Access(cpu, new VirtAddr(start.Value + (page << Pfn.PageShift)), Model.Paging.Access.Read,
                Privilege.User, 0);
        }

        var state = 0x2545F4914F6CDD1DUL;
        for (var i = 0; i < targets.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            var page = workload == "locality" && state % 100 != 0 ? (state >> 8) % 32 : (state >> 8) % Pages;
            targets[i] = new VirtAddr(start.Value + (page << Pfn.PageShift) + (state >> 54));
        }

        return (machine, cpu);
    }
}
