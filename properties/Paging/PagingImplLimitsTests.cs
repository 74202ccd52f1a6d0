using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>
/// More short lockstep scenarios on the model and the implementation, for every format: tables freed when no VMA
/// needs them, out of frames, teardown, bad input, and the implementation's page cache alone.
/// </summary>
public sealed class PagingImplLimitsTests
{
    public static TheoryData<string> Formats => PagingImplTests.Formats;

    [Theory]
    [MemberData(nameof(Formats))]
    public void Munmap_frees_the_tables_no_vma_needs(string format)
    {
        var (p, mm) = PagingPair.WithSpace(format);
        var before = p.Impl.Snapshot().Spaces[0];
        var at = p.Do(s => s.Mmap(mm,
            new MmapRequest(3, VmProt.Read | VmProt.Write, null, 0, false, PagingPair.FarAway))).Value.Value;
        p.Write(mm, at, 1);
        p.Write(mm, at + 0x2000, 2);
        var touched = p.Impl.Snapshot().Spaces[0];
        Assert.Equal(p.Format.Depth - 1, touched.Tables.Length - before.Tables.Length);
        Assert.Equal((ulong)(p.Format.Depth == 5 ? 3 : p.Format.Depth - 1) * Pfn.PageSize, touched.PgTablesBytes);
        p.Do(s => s.Munmap(mm, new VirtAddr(at), 1));
        Assert.Equal(touched.Tables.Length, p.Impl.Snapshot().Spaces[0].Tables.Length);
        p.Do(s => s.Munmap(mm, new VirtAddr(at + 0x1000), 2));
        // The tables whose range still reaches the text VMA stay: P4D and PUD (5-level), PUD (4-level), none (2-level).
        var after = p.Impl.Snapshot().Spaces[0];
        Assert.Equal(before.Tables.Length + Math.Max(0, p.Format.Depth - 3), after.Tables.Length);
        Assert.Equal(p.Format.Depth > 2 ? Pfn.PageSize : 0, after.PgTablesBytes);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Out_of_frames_a_fault_changes_nothing(string format)
    {
        var p = new PagingPair(format, 12);
        var mm = p.Create();
        var at = p.Do(s => s.Mmap(mm,
            new MmapRequest(64, VmProt.Read | VmProt.Write, null, 0, false, PagingPair.FarAway))).Value.Value;
        Result<byte> result;
        var page = 0UL;
        do
        {
            var before = p.Impl.Snapshot();
            var addr = new VirtAddr(at + (page++ << Pfn.PageShift));
            result = p.Do(s => s.Access(mm, addr, Access.Write, Privilege.User, 1));
            if (!result.IsOk)
            {
                Assert.Null(before.DiffFrom(p.Impl.Snapshot()));
                Assert.Null(before.Pages.DiffFrom(p.Impl.Snapshot().Pages));
            }
        }
        while (result.IsOk);

        Assert.Equal(new FaultOutOfMemory(new VirtAddr(at + ((page - 1) << Pfn.PageShift)), 1), result.Error);
        Assert.IsType<FaultOutOfMemory>(p.Do(s => s.Access(mm, new VirtAddr(UserLayout.BssStart(p.Format)), Access.Read,
            Privilege.User, 0)).Error);
        Assert.Equal(new PagingOutOfMemory("vmalloc of 1 pages", p.Format.Depth - 1), p.Do(s => s.Vmalloc(1)).Error);
        Assert.Equal(new PagingOutOfMemory("pgd_alloc", 1), p.Do(s => s.CreateAddressSpace()).Error);
        p.Do(s => s.Munmap(mm, new VirtAddr(at), 1));
        Assert.True(p.Do(s => s.CreateAddressSpace()).IsOk);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Destroying_everything_returns_the_buddy_allocator_to_its_start(string format)
    {
        var p = new PagingPair(format);
        var model = p.Model.Pages.Snapshot();
        var impl = p.Impl.Pages.Snapshot();
        var a = p.Create();
        var b = p.Create();
        p.Write(a, UserLayout.BssStart(p.Format), 1);
        p.Read(b, UserLayout.TextStart(p.Format));
        p.Write(b, UserLayout.StackTop(p.Format) - 0x10_0000, 2);
        var shm = p.Do(s => s.Mmap(a, new MmapRequest(1, VmProt.Read | VmProt.Write, null, 0, true))).Value.Value;
        p.Write(a, shm, 3);
        var area = p.Do(s => s.Vmalloc(3)).Value;
        p.Do(s => s.Access(a, area, Access.Write, Privilege.Supervisor, 4));
        p.Do(s => s.DestroyAddressSpace(a));
        p.Do(s => s.DestroyAddressSpace(b));
        p.Do(s => s.Vfree(area));
        Assert.Null(model.DiffFrom(p.Model.Pages.Snapshot()));
        Assert.Null(impl.DiffFrom(p.Impl.Pages.Snapshot()));
        Assert.IsType<UnknownAddressSpace>(p.Do(s => s.Access(a, area, Access.Read, Privilege.Supervisor, 0)).Error);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Bad_input_gets_the_same_typed_error(string format)
    {
        var (p, mm) = PagingPair.WithSpace(format);
        var ghost = new AsId(9);
        Assert.IsType<UnknownAddressSpace>(p.Do(s => s.Munmap(ghost, PagingPair.FarAway, 1)).Error);
        Assert.IsType<UnknownAddressSpace>(p.Do(s => s.Mprotect(ghost, PagingPair.FarAway, 1, VmProt.Read)).Error);
        Assert.IsType<UnknownAddressSpace>(p.Do(s => s.Brk(ghost, PagingPair.FarAway)).Error);
        Assert.IsType<UnknownAddressSpace>(p.Do(s => s.Mmap(ghost,
            new MmapRequest(1, VmProt.Read, null, 0, false))).Error);
        Assert.IsType<UnknownAddressSpace>(p.Do(s => s.DestroyAddressSpace(ghost)).Error);
        Assert.IsType<UnknownAddressSpace>(
            p.Do(s => s.Translate(ghost, PagingPair.FarAway, Access.Read, Privilege.User)).Error);
        var fault = new PageFault(PagingPair.FarAway, FaultKind.NotPresent, p.Format.Levels[^1]);
        Assert.Equal(new UnknownAddressSpace(ghost),
            p.Do(s => s.HandleFault(ghost, fault, Access.Read, Privilege.User)).Error);
        Assert.IsType<InvalidRange>(p.Do(s => s.Munmap(mm, new VirtAddr(PagingPair.FarAway.Value + 1), 1)).Error);
        Assert.IsType<InvalidRange>(p.Do(s => s.Munmap(mm, PagingPair.FarAway, 0)).Error);
        Assert.IsType<InvalidRange>(p.Do(s => s.Mmap(mm, new MmapRequest(0, VmProt.Read, null, 0, false))).Error);
        Assert.IsType<InvalidRange>(p.Do(s => s.Mmap(mm, new MmapRequest(1, VmProt.Read, -1, 0, false))).Error);
        Assert.IsType<InvalidRange>(p.Do(s => s.Mmap(mm,
            new MmapRequest(1, VmProt.Read, null, 0, false, new VirtAddr(0x1000)))).Error);
        Assert.IsType<RangeInUse>(p.Do(s => s.Mmap(mm,
            new MmapRequest(1, VmProt.Read, null, 0, false, new VirtAddr(UserLayout.TextStart(p.Format))))).Error);
        Assert.IsType<NoVirtualSpace>(p.Do(s => s.Mmap(mm,
            new MmapRequest(p.Format.UserTop >> Pfn.PageShift, VmProt.Read, null, 0, false))).Error);
        Assert.IsType<BrkRefused>(p.Do(s => s.Brk(mm, new VirtAddr(0x1000))).Error);
        Assert.IsType<BrkRefused>(p.Do(s => s.Brk(mm,
            new VirtAddr(UserLayout.StackTop(p.Format) - (UserLayout.InitialStackPages << Pfn.PageShift)))).Error);
        Assert.IsType<NotVmallocArea>(p.Do(s => s.Vfree(new VirtAddr(p.Format.VmallocStart))).Error);
        Assert.IsType<InvalidRange>(p.Do(s => s.Vmalloc(p.Format.SpanOf(0) >> Pfn.PageShift)).Error);
    }

    /// <summary>Implementation alone: the model's page cache cannot hold two pages (it sorts by MappedObject, which is
    /// not comparable).</summary>
    [Theory]
    [MemberData(nameof(Formats))]
    public void Impl_alone_caches_many_pages(string format)
    {
        var paging = new PagingSystem(PagingFormat.All.Single(f => f.Name == format),
            new BuddyAllocator(MemoryLayout.Flat(256)));
        var mm = paging.CreateAddressSpace().Value;
        var text = UserLayout.TextStart(paging.Format);
        var shm = paging.Mmap(mm, new MmapRequest(2, VmProt.Read | VmProt.Write, null, 0, true)).Value.Value;
        for (var page = 0UL; page < 4; page++)
        {
            Assert.Equal(0,
                paging.Access(mm, new VirtAddr(text + (page << Pfn.PageShift)), Access.Read, Privilege.User, 0).Value);
        }

        Assert.Equal(5, paging.Access(mm, new VirtAddr(shm + 0x1000), Access.Write, Privilege.User, 5).Value);
        Assert.Equal(1, paging.Access(mm, new VirtAddr(shm), Access.Write, Privilege.User, 1).Value);
        var snapshot = paging.Snapshot();
        Assert.Equal(["file0@0", "file0@1", "file0@2", "file0@3", "shmem0@0", "shmem0@1"],
            snapshot.Cache.Select(c => $"{c.Backing}@{c.PgOff}"));
        Assert.Empty(PagingInvariants.All(snapshot));
        // Stored: the PGD (it holds the kernel's entry), the tables to text and to the shmem area, the two written
        // pages.
        Assert.Equal((2 * (paging.Format.Depth - 1)) + 3, paging.StoredFrames);
    }
}
