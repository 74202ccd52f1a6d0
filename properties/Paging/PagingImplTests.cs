using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>
/// Short deterministic scenarios run in lockstep on the paging model (over the buddy model) and on the
/// implementation (over the buddy implementation), for every paging format: each call must return the same
/// result on both, the snapshots must agree after it, and the implementation's snapshot must keep the
/// invariants. The model's page cache holds at most one page in these scenarios (see
/// <see cref="PagingImplLimitsTests.Impl_alone_caches_many_pages"/>).
/// </summary>
public sealed class PagingImplTests
{
    public static TheoryData<string> Formats => [.. PagingFormat.All.Select(f => f.Name)];

    [Theory]
    [MemberData(nameof(Formats))]
    public void Anonymous_memory_in_bss_heap_and_mmap_reads_back(string format)
    {
        var (p, mm) = PagingPair.WithSpace(format);
        var bss = UserLayout.BssStart(p.Format) + 5;
        Assert.Equal(7, p.Write(mm, bss, 7));
        Assert.Equal(7, p.Read(mm, bss));
        var heap = UserLayout.StartBrk(p.Format);
        Assert.Equal(heap + 0x3000, p.Do(s => s.Brk(mm, new VirtAddr(heap + 0x3000))).Value.Value);
        Assert.Equal(9, p.Write(mm, heap + 0x2fff, 9));
        Assert.Equal(0, p.Read(mm, heap + 0x1000));
        var anon = p.Do(s => s.Mmap(mm, new MmapRequest(4, VmProt.Read | VmProt.Write, null, 0, false))).Value;
        Assert.Equal(UserLayout.MmapBase(p.Format) - 0x4000, anon.Value);
        Assert.Equal(11, p.Write(mm, anon.Value + 0x3001, 11));
        Assert.Equal(11, p.Read(mm, anon.Value + 0x3001));
        Assert.Equal(0, p.Read(mm, anon.Value));
        Assert.Equal(heap + 0x1000, p.Do(s => s.Brk(mm, new VirtAddr(heap + 0x1000))).Value.Value);
        Assert.IsType<SegmentationFault>(p.Do(s => s.Access(mm, new VirtAddr(heap + 0x2fff), Access.Read,
            Privilege.User, 0)).Error);
        // The reads of untouched pages mapped the zero page, which no RSS counter counts (do_anonymous_page).
        var space = p.Impl.Snapshot().Spaces[0];
        Assert.Equal(2, space.RssAnon);
        Assert.Equal(PageOwner.ZeroPage, space.Pages.Single(q => q.Addr == anon.Value).Owner);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Private_file_page_is_copied_on_write_and_written_back(string format)
    {
        var (p, mm) = PagingPair.WithSpace(format);
        var data = UserLayout.DataStart(p.Format);
        Assert.Equal(0, p.Read(mm, data + 0x1000));
        Assert.Single(p.Impl.Snapshot().Cache);
        Assert.Equal(5, p.Write(mm, data + 0x1004, 5));
        Assert.Empty(p.Impl.Snapshot().Cache);
        Assert.Equal(5, p.Read(mm, data + 0x1004));
        Assert.Equal(6, p.Write(mm, data + 4, 6));
        var text = UserLayout.TextStart(p.Format);
        Assert.Equal(0, p.Read(mm, text));
        var fault = Assert.IsType<SegmentationFault>(p.Do(s => s.Access(mm, new VirtAddr(text), Access.Write,
            Privilege.User, 1)).Error);
        Assert.Equal(FaultKind.WriteToReadOnly, fault.Fault.Kind);
        Assert.Equal(0, p.Do(s => s.Access(mm, new VirtAddr(text + 1), Access.Fetch, Privilege.User, 0)).Value);
        p.Do(s => s.DestroyAddressSpace(mm));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Shared_file_write_in_one_space_is_read_in_another_and_survives_eviction(string format)
    {
        var p = new PagingPair(format);
        var a = p.Create();
        var b = p.Create();
        var request = new MmapRequest(2, VmProt.Read | VmProt.Write, 1, 3, true);
        var inA = p.Do(s => s.Mmap(a, request)).Value.Value;
        var inB = p.Do(s => s.Mmap(b, request with { Fixed = PagingPair.FarAway })).Value.Value;
        Assert.Equal(42, p.Write(a, inA + 17, 42));
        Assert.Equal(42, p.Read(b, inB + 17));
        Assert.Equal(43, p.Write(b, inB + 18, 43));
        Assert.Equal(43, p.Read(a, inA + 18));
        Assert.Equal(1, p.Impl.Snapshot().Spaces[1].RssFile);
        p.Do(s => s.Munmap(a, new VirtAddr(inA), 2));
        p.Do(s => s.DestroyAddressSpace(b));
        Assert.Empty(p.Impl.Snapshot().Cache);
        var again = p.Do(s => s.Mmap(a, request with { Pages = 1, Shared = false })).Value.Value;
        Assert.Equal(42, p.Read(a, again + 17));
        Assert.Equal(43, p.Read(a, again + 18));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Shmem_pages_live_while_mapped_and_go_with_the_last_unmap(string format)
    {
        var (p, mm) = PagingPair.WithSpace(format);
        var shm = p.Do(s => s.Mmap(mm, new MmapRequest(3, VmProt.Read | VmProt.Write, null, 0, true))).Value.Value;
        Assert.Equal(8, p.Write(mm, shm + 0x2000, 8));
        Assert.Equal(8, p.Read(mm, shm + 0x2000));
        Assert.Equal(1, p.Impl.Snapshot().Spaces[0].RssShmem);
        p.Do(s => s.Munmap(mm, new VirtAddr(shm + 0x2000), 1));
        Assert.Single(p.Impl.Snapshot().Cache);
        p.Do(s => s.Munmap(mm, new VirtAddr(shm), 2));
        Assert.Empty(p.Impl.Snapshot().Cache);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Mprotect_downgrade_refuses_writes_and_none_refuses_reads(string format)
    {
        var (p, mm) = PagingPair.WithSpace(format);
        var at = p.Do(s => s.Mmap(mm,
            new MmapRequest(2, VmProt.Read | VmProt.Write, null, 0, false, PagingPair.FarAway))).Value.Value;
        Assert.Equal(3, p.Write(mm, at + 0x1000, 3));
        p.Do(s => s.Mprotect(mm, new VirtAddr(at + 0x1000), 1, VmProt.Read));
        var fault = Assert.IsType<SegmentationFault>(p.Do(s => s.Access(mm, new VirtAddr(at + 0x1000), Access.Write,
            Privilege.User, 4)).Error);
        Assert.Equal((FaultKind.WriteToReadOnly, PageLevel.Pte), (fault.Fault.Kind, fault.Fault.Level));
        Assert.Equal(3, p.Read(mm, at + 0x1000));
        p.Do(s => s.Mprotect(mm, new VirtAddr(at), 2, VmProt.None));
        fault = Assert.IsType<SegmentationFault>(p.Do(s => s.Access(mm, new VirtAddr(at + 0x1000), Access.Read,
            Privilege.User, 0)).Error);
        Assert.Equal(FaultKind.NotPresent, fault.Fault.Kind);
        p.Do(s => s.Mprotect(mm, new VirtAddr(at), 2, VmProt.Read | VmProt.Write));
        Assert.Equal(3, p.Read(mm, at + 0x1000));
        Assert.Equal(5, p.Write(mm, at + 0x1000, 5));
        Assert.IsType<RangeNotMapped>(p.Do(s => s.Mprotect(mm, new VirtAddr(at), 3, VmProt.Read)).Error);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Fetch_from_data_faults_only_where_the_format_has_nx(string format)
    {
        var (p, mm) = PagingPair.WithSpace(format);
        var bss = UserLayout.BssStart(p.Format);
        Assert.Equal(0x90, p.Write(mm, bss, 0x90));
        var fetch = p.Do(s => s.Access(mm, new VirtAddr(bss), Access.Fetch, Privilege.User, 0));
        if (p.Format.HasNx)
        {
            Assert.Equal(FaultKind.FetchFromNx, Assert.IsType<SegmentationFault>(fetch.Error).Fault.Kind);
        }
        else
        {
            Assert.Equal(0x90, fetch.Value);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Stack_grows_within_its_limit_and_not_beyond(string format)
    {
        var (p, mm) = PagingPair.WithSpace(format);
        var top = UserLayout.StackTop(p.Format);
        Assert.Equal(1, p.Write(mm, top - (1UL << 20), 1));
        Assert.Equal(2, p.Write(mm, top - UserLayout.StackLimit, 2));
        var fault = Assert.IsType<SegmentationFault>(p.Do(s => s.Access(mm,
            new VirtAddr(top - UserLayout.StackLimit - 1), Access.Read, Privilege.User, 0)).Error);
        Assert.Equal(FaultKind.NotPresent, fault.Fault.Kind);
        Assert.IsType<SegmentationFault>(p.Do(s => s.Access(mm, new VirtAddr(top), Access.Read, Privilege.User,
            0)).Error);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Vmalloc_is_shared_by_every_space_and_refused_to_users(string format)
    {
        var p = new PagingPair(format);
        var a = p.Create();
        var first = p.Do(s => s.Vmalloc(2)).Value;
        var second = p.Do(s => s.Vmalloc(1)).Value;
        Assert.Equal(first.Value + 0x3000, second.Value);
        var b = p.Create();
        var fault = Assert.IsType<SegmentationFault>(p.Do(s => s.Access(a, new VirtAddr(first.Value + 1), Access.Read,
            Privilege.User, 0)).Error);
        Assert.Equal((FaultKind.UserToSupervisor, PageLevel.Pgd), (fault.Fault.Kind, fault.Fault.Level));
        Assert.Equal(0,
            p.Do(s => s.Access(b, new VirtAddr(first.Value + 0x1001), Access.Read, Privilege.Supervisor, 0)).Value);
        Assert.Equal(77,
            p.Do(s => s.Access(a, new VirtAddr(first.Value + 0x1001), Access.Write, Privilege.Supervisor, 77)).Value);
        Assert.Equal(77,
            p.Do(s => s.Access(b, new VirtAddr(first.Value + 0x1001), Access.Read, Privilege.Supervisor, 0)).Value);
        p.Do(s => s.Vfree(first));
        Assert.IsType<NotVmallocArea>(p.Do(s => s.Vfree(first)).Error);
        Assert.IsType<SegmentationFault>(p.Do(s => s.Access(b, new VirtAddr(first.Value), Access.Read,
            Privilege.Supervisor, 0)).Error);
        Assert.Equal(first, p.Do(s => s.Vmalloc(1)).Value);
        Assert.Equal(0, p.Do(s => s.Access(b, new VirtAddr(first.Value), Access.Read, Privilege.Supervisor, 0)).Value);
        Assert.IsType<InvalidRange>(p.Do(s => s.Vmalloc(0)).Error);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Non_canonical_addresses_fault_before_the_walk(string format)
    {
        var (p, mm) = PagingPair.WithSpace(format);
        if (p.Format.VirtualBits == 32)
        {
            return;
        }

        var hole = 1UL << (p.Format.VirtualBits - 1);
        var fault = Assert.IsType<SegmentationFault>(p.Do(s => s.Access(mm, new VirtAddr(hole), Access.Read,
            Privilege.Supervisor, 0)).Error);
        Assert.Equal((FaultKind.NonCanonical, (PageLevel?)null), (fault.Fault.Kind, fault.Fault.Level));
    }
}
