using MMSpec.Model.Core;

namespace MMSpec.Properties.Core;

/// <summary>The addresses hand-written tests touch inside a mapping.</summary>
internal static class PageAddresses
{
    /// <summary>
    /// The address of page <paramref name="page"/> of the mapping that starts at <paramref name="start"/>.
    /// </summary>
    public static VirtAddr Page(VirtAddr start, ulong page) => new(start.Value + (page * Pfn.PageSize));
}
