using BenchmarkDotNet.Attributes;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;

namespace MMSpec.Bench.Paging;

/// <summary>
/// One address space with <see cref="PagingCase.Pages"/> anonymous pages faulted in (one mapping, top-down
/// below mmap_base) on a machine with room for them and their tables; 2-level 32-bit maps 500 000 pages at
/// most (its user space is 3 GiB). Addresses come from a fixed xorshift sequence.
/// </summary>
public abstract class PagingBenchBase
{
    protected const int Steps = 4096;

    private static readonly string[] Sides = ["impl", "model"];
    private static readonly int[] Sizes = [1_000, 1_000_000];

    protected VirtAddr[] Targets { get; } = new VirtAddr[Steps];

    protected IPagingSystem Paging { get; private set; } = null!;

    protected AsId Mm { get; private set; }

    protected static IEnumerable<PagingCase> AllCases =>
        from format in PagingFormat.All
        from side in Sides
        from pages in Sizes
        select new PagingCase(side, format.Name, format.VirtualBits == 32 && pages > 1_000 ? 500_000 : pages);

    protected void Build(PagingCase c)
    {
        var format = PagingFormat.All.Single(f => f.Name == c.Format);
        var layout = MemoryLayout.Flat((ulong)c.Pages + ((ulong)c.Pages / 256) + 4096);
        Paging = c.Side == "impl"
            ? new PagingSystem(format, new BuddyAllocator(layout))
            : new PagingModel(format, new BuddyModel(layout));
        Mm = Paging.CreateAddressSpace().Value;
        var start = Paging.Mmap(Mm, new MmapRequest((ulong)c.Pages, VmProt.Read | VmProt.Write, null, 0, false)).Value;
        for (var page = 0UL; page < (ulong)c.Pages; page++)
        {
            // A read fault maps a cleared frame; its bytes stay unstored, so 10^6 pages do not cost 4 GiB of byte
            // arrays.
            Paging.Access(Mm, new VirtAddr(start.Value + (page << Pfn.PageShift)), Access.Read, Privilege.User, 0);
        }

        var state = 0x2545F4914F6CDD1DUL;
        for (var i = 0; i < Steps; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            Targets[i] = new VirtAddr(start.Value + ((state % (ulong)c.Pages) << Pfn.PageShift) + (state >> 52));
        }
    }
}

/// <summary>Translate: read a byte of a random mapped page, a full walk each time (there is no TLB here).</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class PagingTranslateBench : PagingBenchBase
{
    public static IEnumerable<PagingCase> Cases => AllCases;

    [ParamsSource(nameof(Cases))]
    public PagingCase Case { get; set; }

    [GlobalSetup]
    public void Setup() => Build(Case);

    [Benchmark(OperationsPerInvoke = Steps)]
    public int Translate()
    {
        var sum = 0;
        foreach (var target in Targets)
        {
            sum += Paging.Access(Mm, target, Access.Read, Privilege.User, 0).Value;
        }

        return sum;
    }
}

/// <summary>
/// MapUnmap: map one page at a fixed address away from the others, write it (a fault that allocates its PTE
/// table and the page) and unmap it (freeing both). The model's munmap scans every entry, so it runs at 10^3 pages
/// only.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class PagingMapBench : PagingBenchBase
{
    private static readonly VirtAddr Lonely = new(0x1000_0000);

    public static IEnumerable<PagingCase> Cases => AllCases.Where(c => c.Side == "impl" || c.Pages <= 1_000);

    [ParamsSource(nameof(Cases))]
    public PagingCase Case { get; set; }

    [GlobalSetup]
    public void Setup() => Build(Case);

    [Benchmark(OperationsPerInvoke = 64)]
    public void MapUnmap()
    {
        var request = new MmapRequest(1, VmProt.Read | VmProt.Write, null, 0, false, Lonely);
        for (var i = 0; i < 64; i++)
        {
            Paging.Mmap(Mm, request);
            Paging.Access(Mm, Lonely, Access.Write, Privilege.User, 2);
            Paging.Munmap(Mm, Lonely, 1);
        }
    }
}

/// <summary>Which side runs, which format, with how many pages mapped.</summary>
public readonly record struct PagingCase(string Side, string Format, int Pages)
{
    /// <summary>Short, so that BenchmarkDotNet does not cut it: "impl 4L 1000000".</summary>
    public override string ToString() => $"{Side} {Format[0]}L {Pages}";
}
