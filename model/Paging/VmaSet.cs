using System.Collections.Immutable;
using System.Diagnostics;
using MMSpec.Model.Core;

namespace MMSpec.Model.Paging;

/// <summary>
/// An address space's VMAs, sorted and non-overlapping, as an immutable value (the mm's VMA tree), so an
/// operation that fails part-way leaves the old set untouched. Adjacent VMAs are kept as created; the
/// canonical form merges them as vma_merge would.
/// </summary>
public sealed class VmaSet
{
    private ImmutableArray<Vma>? _canonical;

    private VmaSet(ImmutableArray<Vma> vmas) => All = vmas;

    public static VmaSet Empty { get; } = new([]);

    public ImmutableArray<Vma> All { get; }

    /// <summary>find_vma_intersection for one address.</summary>
    public Vma? Find(ulong addr)
    {
        foreach (var vma in All)
        {
            if (vma.Contains(addr))
            {
                return vma;
            }
        }

        return null;
    }

    /// <summary>vma_prev: the VMA just below <paramref name="vma"/> (the set is sorted), null for the lowest.</summary>
    public Vma? Prev(Vma vma)
    {
        var index = All.IndexOf(vma);
        Debug.Assert(index >= 0, "vma_prev of a VMA that is not in the set");
        return index > 0 ? All[index - 1] : null;
    }

    public bool IsFree(ulong start, ulong end) => !All.Any(v => v.Intersects(start, end));

    public bool Covers(ulong start, ulong end)
    {
        var at = start;
        foreach (var vma in All.Where(v => v.Intersects(start, end)))
        {
            if (vma.Start > at)
            {
                return false;
            }

            at = vma.End;
        }

        return at >= end;
    }

    public VmaSet Insert(Vma vma) => new([.. All.Add(vma).OrderBy(v => v.Start)]);

    /// <summary>do_vmi_munmap: the VMAs with [start, end) cut out (splitting the ones that straddle an end).</summary>
    public VmaSet Remove(ulong start, ulong end) => new([.. All.SelectMany(v => Cut(v, start, end, null))]);

    /// <summary>mprotect_fixup over [start, end): the covered parts get <paramref name="prot"/>.</summary>
    public VmaSet Protect(ulong start, ulong end, VmProt prot) =>
        new([.. All.SelectMany(v => Cut(v, start, end, prot))]);

    /// <summary>One VMA given new bounds (expand_downwards grows the stack this way).</summary>
    public VmaSet Resize(Vma vma, ulong newStart, ulong newEnd) =>
        new([.. All.Select(v => v == vma ? v with { Start = newStart, End = newEnd } : v)]);

    /// <summary>
    /// vm_unmapped_area top-down: the highest page-aligned [x, x + length) with x &gt;= low and x + length &lt;= high
    /// that touches no VMA; null when there is none.
    /// </summary>
    public ulong? FindGapTopDown(ulong length, ulong low, ulong high)
    {
        // The gap below top runs down to the next VMA's end (or to low); top then moves below that VMA.
        var top = high;
        foreach (var vma in All.Reverse())
        {
            if (top >= Math.Max(vma.End, low) + length)
            {
                return top - length;
            }

            top = Math.Min(top, vma.Start);
        }

        return top >= low + length ? top - length : null;
    }

    /// <summary>
    /// vm_unmapped_area bottom-up: the lowest page-aligned [x, x + length) with x &gt;= low and x + length &lt;= high
    /// that touches no VMA; null when there is none.
    /// </summary>
    public ulong? FindGapBottomUp(ulong length, ulong low, ulong high)
    {
        // The gap above bottom runs up to the next VMA's start (or to high); bottom then moves above that VMA.
        var bottom = low;
        foreach (var vma in All)
        {
            if (vma.End <= bottom)
            {
                continue;
            }

            if (Math.Min(vma.Start, high) >= bottom + length)
            {
                return bottom;
            }

            bottom = Math.Max(bottom, vma.End);
        }

        return high >= bottom + length ? bottom : null;
    }

    /// <summary>
    /// The VMAs as /proc/pid/maps would show them after vma_merge: compatible neighbours joined. Worked out once
    /// per set, which never changes: every snapshot of an address space asks for it.
    /// </summary>
    public ImmutableArray<Vma> Canonical() => _canonical ??= Merged();

    private ImmutableArray<Vma> Merged()
    {
        var merged = new List<Vma>();
        foreach (var vma in All)
        {
            if (merged.Count > 0 && merged[^1].MergesWith(vma))
            {
                merged[^1] = merged[^1] with { End = vma.End };
            }
            else
            {
                merged.Add(vma);
            }
        }

        return [.. merged];
    }

    /// <summary>
    /// split_vma around [start, end): the part below, the part inside given <paramref name="inside"/> as its
    /// protection (or dropped when null), the part above; a VMA outside the range comes back whole.
    /// </summary>
    private static IEnumerable<Vma> Cut(Vma vma, ulong start, ulong end, VmProt? inside)
    {
        if (vma.Start < start)
        {
            yield return vma.Slice(vma.Start, start);
        }

        if (inside is { } prot && vma.Intersects(start, end))
        {
            yield return vma.Slice(start, end) with { Prot = prot };
        }

        if (vma.End > end)
        {
            yield return vma.Slice(end, vma.End);
        }
    }

    public override string ToString() => string.Join('\n', All);
}

/// <summary>Page arithmetic on raw addresses.</summary>
public static class PageMath
{
    public static bool IsAligned(ulong addr) => (addr & (Pfn.PageSize - 1)) == 0;

    public static ulong Down(ulong addr) => addr & ~(Pfn.PageSize - 1);

    public static ulong Up(ulong addr) => (addr + Pfn.PageSize - 1) & ~(Pfn.PageSize - 1);
}
