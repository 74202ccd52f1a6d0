using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Impl.Slab;
using MMSpec.Impl.Tlb;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Slab;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Core;

/// <summary>
/// Snapshots as JSON (<see cref="MmJson"/>): the snapshot of the model and of the implementation after some calls goes
/// to JSON and back equal by the snapshot's own comparison, and writes the same text again (which also holds the frame
/// numbers the comparisons of paging ignore).
/// </summary>
public sealed class SnapshotJsonTests
{
    public const string Model = "model";

    public const string Impl = "impl";

    private static readonly MemoryLayout Layout = new(1024, new Pfn(256), new Pfn(768),
        [new PfnRange(new Pfn(0), new Pfn(1)), new PfnRange(new Pfn(300), new Pfn(310))]);

    public static TheoryData<string> Sides => [Model, Impl];

    public static TheoryData<string, string> SidesAndFormats => new()
    {
        { Model, "2-level 32-bit" }, { Model, "4-level 48-bit" }, { Model, "5-level 57-bit" },
        { Impl, "2-level 32-bit" }, { Impl, "4-level 48-bit" }, { Impl, "5-level 57-bit" },
    };

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_buddy_snapshot_goes_to_json_and_back(string side)
    {
        var buddy = Buddy(side, Layout);
        Assert.True(buddy.AllocPages(new Order(0), ZoneType.Dma).IsOk);
        var dma32 = buddy.AllocPages(new Order(3), ZoneType.Dma32).Value;
        Assert.True(buddy.AllocPages(new Order(5), ZoneType.Normal).IsOk);
        Assert.True(buddy.FreePages(dma32, new Order(3)).IsOk);
        var snapshot = buddy.Snapshot();
        Assert.Equal(2, snapshot.Allocated.Length);
        var back = RoundTrip(snapshot);
        Assert.True(back.SameBlocks(snapshot), back.DiffFrom(snapshot));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_slab_snapshot_goes_to_json_and_back(string side)
    {
        var slab = Slab(side, Buddy(side, Layout));
        var dentry = slab.KmemCacheCreate("dentry", 192, 8, new CacheCtor(0xdead)).Value;
        var objects = Enumerable.Range(0, 3).Select(_ => slab.KmemCacheAlloc(dentry).Value).ToList();
        Assert.True(slab.KmemCacheFree(dentry, objects[1]).IsOk);
        var small = slab.Kmalloc(64).Value;
        Assert.True(slab.Kmalloc(100).IsOk);
        Assert.True(slab.Kmalloc(3 * Pfn.PageSize).IsOk);
        Assert.True(slab.Kfree(small).IsOk);
        var snapshot = slab.Snapshot();
        Assert.NotEmpty(snapshot.Large);
        Assert.NotNull(snapshot.Cache(dentry));
        var back = RoundTrip(snapshot);
        Assert.True(back.SameAs(snapshot), back.DiffFrom(snapshot));
    }

    [Theory]
    [MemberData(nameof(SidesAndFormats))]
    public void A_paging_snapshot_goes_to_json_and_back(string side, string format)
    {
        var paging = Paging(side, PagingFormat.All.Single(f => f.Name == format));
        var mm = paging.CreateAddressSpace().Value;
        Write(paging, mm, paging.Mmap(mm, new MmapRequest(3, VmProt.Read | VmProt.Write, null, 0, false)).Value);
        Write(paging, mm, paging.Mmap(mm, new MmapRequest(2, VmProt.Read | VmProt.Write, 3, 10, true)).Value);
        Write(paging, mm, paging.Mmap(mm, new MmapRequest(2, VmProt.Read | VmProt.Write, null, 0, true)).Value);
        var text = paging.Mmap(mm, new MmapRequest(2, VmProt.Read | VmProt.Exec, 4, 0, false)).Value;
        Assert.True(paging.Access(mm, text, Access.Fetch, Privilege.User, 0).IsOk);
        Assert.True(paging.Mprotect(mm, text, 1, VmProt.Read).IsOk);
        var brk = paging.Snapshot().Spaces.Single().Brk;
        Assert.True(paging.Brk(mm, new VirtAddr(brk + (2 * Pfn.PageSize))).IsOk);
        Write(paging, mm, new VirtAddr(brk));
        var area = paging.Vmalloc(2).Value;
        Assert.True(paging.Access(mm, area, Access.Write, Privilege.Supervisor, 5).IsOk);
        Assert.True(paging.CreateAddressSpace().IsOk);
        var snapshot = paging.Snapshot();
        Assert.Equal(2, snapshot.Spaces.Length);
        Assert.NotEmpty(snapshot.Cache);
        Assert.NotEmpty(snapshot.Vmalloc);
        Assert.NotEmpty(snapshot.KernelPages);
        Assert.Null(RoundTrip(snapshot).DiffFrom(snapshot));
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public void A_machine_snapshot_after_accesses_on_two_cpus_with_pcid_goes_to_json_and_back(string side)
    {
        var snapshot = Machine(side);
        Assert.All(snapshot.Cpus, cpu => Assert.NotEmpty(cpu.Entries));
        Assert.Contains(snapshot.Cpus[0].Entries, e => e.Global);
        Assert.Equal(2, snapshot.Cpus[1].Asids.Count(mm => mm is not null));
        var back = RoundTrip(snapshot);
        Assert.Equal(snapshot.Config, back.Config);
        Assert.Equal(snapshot.Cpus.Select(Text), back.Cpus.Select(Text));
        Assert.Null(back.Paging.DiffFrom(snapshot.Paging));
    }

    [Fact]
    public void The_implementation_s_machine_snapshot_holds_pde_cache_entries_that_go_to_json_and_back()
    {
        var snapshot = Machine(Impl);
        Assert.NotEmpty(snapshot.Cpus[0].PageTables);
        Assert.Equal(snapshot.Cpus[0].PageTables.AsEnumerable(), RoundTrip(snapshot).Cpus[0].PageTables);
    }

    /// <summary>
    /// A machine with two CPUs and PCIDs after a few calls: two address spaces, one run on both CPUs, user pages
    /// written and read on each, and a vmalloc page (a global entry) written on CPU 0.
    /// </summary>
    public static MachineSnapshot Machine(string side)
    {
        var config = new MachineConfig(2, true);
        var machine = side == Model
            ? new Machine(new PagingModel(PagingFormat.FourLevel, new BuddyModel(Layout)), config,
                _ => new AllowedEntries())
            : new Machine(new PagingSystem(PagingFormat.FourLevel, new BuddyAllocator(Layout)), config,
                _ => new SetAssociativeTlb(config.Sets, config.Ways, config.PdeEntries));
        var (cpu0, cpu1) = (new CpuId(0), new CpuId(1));
        var (first, second) = (machine.CreateAddressSpace().Value, machine.CreateAddressSpace().Value);
        Assert.True(machine.SwitchMm(cpu0, first).IsOk);
        Assert.True(machine.SwitchMm(cpu1, second).IsOk);
        var bss = new VirtAddr(UserLayout.BssStart(PagingFormat.FourLevel));
        Assert.True(machine.Access(cpu1, bss, Access.Write, Privilege.User, 2).IsOk);
        Assert.True(machine.SwitchMm(cpu1, first).IsOk);
        var anon = machine.Mmap(cpu0, new MmapRequest(2, VmProt.Read | VmProt.Write, null, 0, false)).Value;
        Assert.True(machine.Access(cpu0, anon, Access.Write, Privilege.User, 1).IsOk);
        Assert.True(machine.Access(cpu1, anon, Access.Read, Privilege.User, 0).IsOk);
        Assert.True(machine.Access(cpu0, bss, Access.Read, Privilege.User, 0).IsOk);
        var area = machine.Vmalloc(1).Value;
        Assert.True(machine.Access(cpu0, area, Access.Write, Privilege.Supervisor, 3).IsOk);
        return machine.Snapshot();
    }

    /// <summary>The value back from its JSON, which writes the same text again.</summary>
    private static T RoundTrip<T>(T value)
    {
        var json = MmJson.Serialize(value);
        var back = MmJson.Deserialize<T>(json);
        Assert.Equal(json, MmJson.Serialize(back));
        return back;
    }

    private static void Write(IPagingSystem paging, AsId mm, VirtAddr addr) =>
        Assert.True(paging.Access(mm, addr, Access.Write, Privilege.User, 7).IsOk);

    private static IBuddyAllocator Buddy(string side, MemoryLayout layout) =>
        side == Model ? new BuddyModel(layout) : new BuddyAllocator(layout);

    private static ISlabAllocator Slab(string side, IBuddyAllocator pages) =>
        side == Model ? new SlabModel(pages) : new SlabAllocator(pages);

    private static IPagingSystem Paging(string side, PagingFormat format) =>
        side == Model ? new PagingModel(format, Buddy(side, Layout)) : new PagingSystem(format, Buddy(side, Layout));

    /// <summary>A CPU with its arrays spelled out (records compare arrays by reference).</summary>
    private static string Text(CpuState s) =>
        $"{s.Id} {s.Mm} {s.Pcid} [{string.Join(", ", s.Asids)}] [{string.Join(", ", s.Entries)}] "
        + $"[{string.Join(", ", s.PageTables)}] {s.Hits} {s.Misses}";
}
