using MMSpec.Model.Core;

namespace MMSpec.Conformance.Reclaim;

/// <summary>The pages of a mapping, visited in address order: what the written-out reclaim rules walk.</summary>
internal static class PageWalk
{
    /// <summary>
    /// Calls <paramref name="visit"/> with the address and index of each of the <paramref name="pages"/> pages from
    /// <paramref name="start"/>; the first failure it returns, or null.
    /// </summary>
    public static string? FirstFailure(VirtAddr start, ulong pages, Func<VirtAddr, ulong, string?> visit)
    {
        for (var page = 0UL; page < pages; page++)
        {
            if (visit(new VirtAddr(start.Value + (page * Pfn.PageSize)), page) is { } failure)
            {
                return failure;
            }
        }

        return null;
    }
}
