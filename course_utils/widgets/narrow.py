"""An explorer's figure laid out again for a narrow screen: its panels stacked, no small type.

The book's frames are drawn at the page's width, 7.5 to 8 inches at 90 pixels per inch
(675 to 720 CSS pixels). On a phone the column is about 358 CSS pixels wide, so such a
picture shrinks to half its size, and its 7-point legends to some 4 CSS pixels. The
static book therefore draws its frames a second time in a narrow layout
(:meth:`course_utils.widgets.explorer.Explorer.narrow_copy`), which the page shows on narrow screens
(:data:`MEDIA`):

- the figure is :data:`WIDTH` inches wide, shown at its natural size in a phone's column;
- its Axes, side by side in the wide figure, are stacked in one column, each
  :data:`HEIGHT` inches high, in the order ``setup`` made them, with the wide figure's
  margins around them (in inches, so that labels keep their room);
- no text is smaller than :data:`MIN_POINTS`: at 90 pixels per inch 7.5 points are
  9.4 pixels, and as many CSS pixels in a phone's 358-pixel column, where the 355-pixel
  picture shows at its natural size;
- the figure's own lines of text (a title over both panels, the settings caption) wrap
  at its width.

Nothing here knows a chapter: the same ``setup`` and ``draw`` make both layouts, and
:func:`stacked` and :func:`enlarge` rework what they drew.
"""

from matplotlib.text import Text

#: Width of the narrow figure in inches (355 pixels at 90 per inch, a phone's column).
WIDTH = 3.95
#: Height of each stacked Axes, in inches.
HEIGHT = 2.2
#: The smallest type in the narrow layout, in points.
MIN_POINTS = 7.5
#: The media query under which the page shows the narrow frames (any screen on which a
#: 720-pixel figure would shrink).
MEDIA = "(max-width: 720px)"


def stacked(setup):
    """``setup`` of an explorer, followed by :func:`stack` and :func:`enlarge`."""

    def narrow_setup(fig):
        layout = setup(fig)
        stack(fig)
        enlarge(fig, fig.findobj(Text))
        return layout

    return narrow_setup


def stack(fig):
    """Put ``fig``'s Axes in one column, :data:`WIDTH` inches wide, and size the figure.

    The margins are the wide figure's, in inches: the left one, the right one, the room
    above the top Axes (a title, a heading over the panels, made a little taller for
    the lines that now wrap) and below the bottom one (tick labels, axis label, the
    settings caption); between two Axes, the room below one and a title's above the next.
    """
    axes = list(fig.axes)
    width, height = fig.get_size_inches()
    boxes = [ax.get_position() for ax in axes]
    left = min(b.x0 for b in boxes) * width
    right = max(0.12, (1 - max(b.x1 for b in boxes)) * width)
    head = max(0.45, 1.4 * (1 - max(b.y1 for b in boxes)) * height)
    bottom = min(b.y0 for b in boxes) * height
    foot = bottom + 0.15
    gap = bottom + 0.1  # the room below an Axes, less the caption's, and a title's
    total = head + len(axes) * HEIGHT + (len(axes) - 1) * gap + foot
    fig.set_size_inches(WIDTH, total)
    for i, ax in enumerate(axes):
        top = total - head - i * (HEIGHT + gap)
        ax.set_position([left / WIDTH, (top - HEIGHT) / total, (WIDTH - left - right) / WIDTH,
                         HEIGHT / total])  # fmt: skip


def enlarge(fig, texts):
    """Raise every text of ``texts`` to :data:`MIN_POINTS`; let ``fig``'s own lines wrap."""
    for text in texts:
        if text.get_fontsize() < MIN_POINTS:
            text.set_fontsize(MIN_POINTS)
        if text in fig.texts:  # a line of the figure, not of one Axes: keep it inside
            text.set_wrap(True)
