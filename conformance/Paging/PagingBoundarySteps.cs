using MMSpec.Model.Paging;

namespace MMSpec.Conformance.Paging;

/// <summary>
/// mmap MAP_FIXED_NOREPLACE of <see cref="Pages"/> private anonymous pages that start (or, with
/// <see cref="EndsThere"/>, end) at boundary #<see cref="Boundary"/> of <see cref="PagingBoundaries"/> moved by
/// <see cref="Delta"/> pages (its sign).
/// </summary>
public sealed record MmapAtStep(int Mm, int Boundary, int Delta, int Pages, VmProt Prot, bool EndsThere) : PagingStep
{
    public override string ToString() =>
        $"mmap(mm #{Mm}, {Pages} pages, {VmProtText.Of(Prot)}, fixed, {(EndsThere ? "ending" : "starting")} at "
        + $"{PagingBoundaries.Describe(Boundary, Delta)})";
}

/// <summary>munmap of <see cref="Pages"/> pages that start (or end) at a boundary moved by Delta pages.</summary>
public sealed record MunmapAtStep(int Mm, int Boundary, int Delta, int Pages, bool EndsThere) : PagingStep
{
    public override string ToString() =>
        $"munmap(mm #{Mm}, {Pages} pages {(EndsThere ? "ending" : "starting")} at "
        + $"{PagingBoundaries.Describe(Boundary, Delta)})";
}

/// <summary>
/// One byte accessed <see cref="Offset"/> bytes past a boundary moved by Delta pages (a negative offset reaches below
/// it: the last byte of the page below is -1).
/// </summary>
public sealed record AccessAtStep(int Mm, int Boundary, int Delta, int Offset, Access Access, Privilege Privilege,
    byte Value) : PagingStep
{
    public override string ToString() =>
        $"{Access.ToString().ToLowerInvariant()}(mm #{Mm}, {PagingBoundaries.Describe(Boundary, Delta)} "
        + $"{(Offset < 0 ? "-" : "+")} 0x{Math.Abs(Offset):x}, {Privilege.ToString().ToLowerInvariant()}"
        + $"{(Access == Access.Write ? $", 0x{Value:x}" : string.Empty)})";
}

/// <summary>brk to a boundary moved by Delta pages, plus <see cref="Pages"/> pages (brk grows and shrinks from
/// there).</summary>
public sealed record BrkToStep(int Mm, int Boundary, int Delta, int Pages) : PagingStep
{
    public override string ToString() =>
        $"brk(mm #{Mm}, {PagingBoundaries.Describe(Boundary, Delta)} + {Pages} pages)";
}

/// <summary>
/// mmap, placed by the kernel, of TASK_SIZE / PAGE_SIZE + <see cref="Delta"/> pages: the largest length mmap takes
/// and one page past it (BadLength); no gap holds TASK_SIZE less a page once anything is mapped (NoVirtualSpace).
/// </summary>
public sealed record MmapTaskSizeStep(int Mm, int Delta) : PagingStep
{
    public override string ToString() => $"mmap(mm #{Mm}, TASK_SIZE {(Delta < 0 ? "-" : "+")} {Math.Abs(Delta)} pages)";
}
