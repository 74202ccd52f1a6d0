using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>The VMA set's edges: gaps of exactly the size asked, coverage with holes, what merges and what does
/// not.</summary>
public sealed class VmaSetTests
{
    private const ulong Page = 0x1000;
    private static readonly VmProt Rw = VmProt.Read | VmProt.Write;

    private static readonly VmaSet Set = VmaSet.Empty
        .Insert(Anon(10, 12))
        .Insert(Anon(4, 6))
        .Insert(Anon(12, 13));

    [Fact]
    public void Vmas_are_kept_sorted_and_found_by_address()
    {
        Assert.Equal([4 * Page, 10 * Page, 12 * Page], Set.All.Select(v => v.Start));
        Assert.Equal(Anon(4, 6), Set.Find((5 * Page) + 7));
        Assert.Null(Set.Find(6 * Page));
        Assert.Null(Set.Find(3 * Page));
    }

    [Fact]
    public void Free_and_covered_ranges_respect_both_ends()
    {
        Assert.True(Set.IsFree(6 * Page, 10 * Page));
        Assert.False(Set.IsFree(6 * Page, (10 * Page) + 1));
        Assert.True(Set.Covers(10 * Page, 13 * Page));
        Assert.True(Set.Covers(11 * Page, 12 * Page));
        Assert.False(Set.Covers(4 * Page, 10 * Page));
        Assert.False(Set.Covers(10 * Page, 14 * Page));
        Assert.False(Set.Covers(3 * Page, 5 * Page));
    }

    [Fact]
    public void The_top_down_gap_is_the_highest_that_fits_between_the_bounds()
    {
        Assert.Equal(13 * Page, Set.FindGapTopDown(7 * Page, 0, 20 * Page));
        Assert.Equal(6 * Page, Set.FindGapTopDown(4 * Page, 0, 16 * Page));
        Assert.Equal(6 * Page, Set.FindGapTopDown(4 * Page, 0, 12 * Page));
        Assert.Equal(0UL, Set.FindGapTopDown(4 * Page, 0, 9 * Page));
        Assert.Null(Set.FindGapTopDown(5 * Page, Page, 9 * Page));
        Assert.Equal(Page, Set.FindGapTopDown(3 * Page, Page, 4 * Page));
        Assert.Null(Set.FindGapTopDown(3 * Page, 2 * Page, 4 * Page));
        Assert.Null(Set.FindGapTopDown(5 * Page, 0, 4 * Page));
    }

    [Fact]
    public void Removing_and_protecting_split_the_vmas_at_the_range_ends()
    {
        var file = new Vma(10 * Page, 20 * Page, VmProt.Read, new MappedObject(false, 1), 5, false);
        var set = VmaSet.Empty.Insert(file);
        Assert.Equal(
            [file with { End = 12 * Page }, file with { Start = 15 * Page, PgOff = 10 }],
            set.Remove(12 * Page, 15 * Page).All.ToArray());
        Assert.Equal(
            [file with { End = 12 * Page }, file with { Start = 12 * Page, End = 15 * Page, PgOff = 7, Prot = Rw },
                file with { Start = 15 * Page, PgOff = 10 }],
            set.Protect(12 * Page, 15 * Page, Rw).All.ToArray());
        Assert.Equal([file],
            set.Protect(12 * Page, 15 * Page, Rw).Protect(12 * Page, 15 * Page, VmProt.Read).Canonical().ToArray());
        Assert.Equal([file with { Start = 15 * Page, PgOff = 10 }], set.Remove(0, 15 * Page).All.ToArray());
        Assert.Empty(set.Remove(10 * Page, 20 * Page).All);
    }

    [Fact]
    public void Anonymous_pieces_keep_offset_zero_and_vmas_outside_the_range_stay_whole()
    {
        Assert.Equal([Anon(4, 6), Anon(11, 12), Anon(12, 13)], Set.Remove(10 * Page, 11 * Page).All.ToArray());
        Assert.Equal([Anon(4, 6), Anon(10, 11) with { Prot = VmProt.Read }, Anon(11, 12), Anon(12, 13)],
            Set.Protect(10 * Page, 11 * Page, VmProt.Read).All.ToArray());
        Assert.Equal(Set.All.ToArray(), Set.Protect(7 * Page, 9 * Page, VmProt.Read).All.ToArray());
    }

    [Fact]
    public void A_gap_fits_exactly_between_a_vma_and_the_one_above_or_the_low_bound()
    {
        Assert.Equal(6 * Page, Set.FindGapTopDown(4 * Page, 6 * Page, 10 * Page));
        Assert.Null(Set.FindGapTopDown(4 * Page, (6 * Page) + 1, 10 * Page));
        Assert.Equal(13 * Page, Set.FindGapTopDown(Page, 13 * Page, 14 * Page));
        Assert.Equal(7 * Page, Set.FindGapTopDown(3 * Page, 0, 10 * Page));
    }

    [Fact]
    public void Neighbours_merge_only_when_adjacent_alike_and_at_consecutive_file_offsets()
    {
        var file = new Vma(0, 2 * Page, VmProt.Read, new MappedObject(false, 1), 0, false);
        Assert.True(file.MergesWith(file with { Start = 2 * Page, End = 3 * Page, PgOff = 2 }));
        Assert.False(file.MergesWith(file with { Start = 2 * Page, End = 3 * Page, PgOff = 3 }));
        Assert.False(file.MergesWith(file with { Start = 3 * Page, End = 4 * Page, PgOff = 3 }));
        Assert.False(file.MergesWith(file with { Start = 2 * Page, End = 3 * Page, PgOff = 2, Prot = Rw }));
        Assert.False(file.MergesWith(file with { Start = 2 * Page, End = 3 * Page, PgOff = 2, Shared = true }));
        Assert.False(file.MergesWith(file with { Start = 2 * Page, End = 3 * Page, PgOff = 2,
            Backing = new MappedObject(false, 2) }));
        Assert.True(Anon(0, 2).MergesWith(Anon(2, 3) with { PgOff = 9 }));
        Assert.Equal([Anon(10, 13), Anon(4, 6)], [.. Set.Canonical().Reverse()]);
        Assert.Equal(3UL, Anon(10, 13).Pages);
        Assert.Equal(7UL, file.PgOffOf((7 * Page) + 5));
    }

    private static Vma Anon(ulong first, ulong end) => new(first * Page, end * Page, Rw, null, 0, false);
}
