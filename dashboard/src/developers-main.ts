/** The developers' page: its examples name the address this page was served from. */
for (const slot of document.querySelectorAll<HTMLElement>("[data-origin]")) {
  slot.textContent = window.location.origin;
}
