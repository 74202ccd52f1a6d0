namespace MMSpec.Impl.Buddy;

/// <summary>Which free block of the chosen order an allocation takes; both are permitted by the spec.</summary>
public enum Placement
{
    /// <summary>
    /// Linux: the first entry of free_area[order] (get_page_from_free_area), blocks pushed at the head.
    /// </summary>
    HeadOfList,

    /// <summary>The free block with the lowest pfn, found through a hierarchical bitmap (find_next_bit).</summary>
    LowestAddress,
}
