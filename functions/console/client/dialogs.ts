import { rehomeToasts } from "./toast";

/**
 * Modal dialogs on the native <dialog> (focus stays inside, the page behind is inert). Every close
 * path (Escape, a Close button, a finished action) runs one function, which may ask first
 * (`beforeClose`) and always returns focus to where the user came from.
 */
export interface DialogOptions {
  /** Where focus goes when the dialog closes (usually the row's menu button). */
  returnFocus: () => HTMLElement | null | undefined;
  /** Return false to keep the dialog open (e.g. the user chose to keep editing). */
  beforeClose?: () => boolean | Promise<boolean>;
  onClose?: () => void;
}

const open = new Map<HTMLDialogElement, DialogOptions>();

function wire(dialog: HTMLDialogElement) {
  if (dialog.dataset.wired) return;
  dialog.dataset.wired = "1";
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    event.stopPropagation();
    void requestClose(dialog);
  });
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    void requestClose(dialog);
  });
  for (const button of dialog.querySelectorAll<HTMLButtonElement>("[data-close]")) {
    button.addEventListener("click", () => void requestClose(dialog));
  }
}

export function openDialog(dialog: HTMLDialogElement, options: DialogOptions, focus?: HTMLElement | null) {
  wire(dialog);
  open.set(dialog, options);
  if (!dialog.open) dialog.showModal();
  rehomeToasts();
  (focus ?? dialog.querySelector<HTMLElement>("input:not([readonly]), textarea, select, button:not([data-close])"))?.focus();
}

/** Closes without asking (after a successful action). */
export function closeDialog(dialog: HTMLDialogElement) {
  const options = open.get(dialog);
  open.delete(dialog);
  if (dialog.open) dialog.close();
  rehomeToasts();
  options?.onClose?.();
  options?.returnFocus()?.focus();
}

export async function requestClose(dialog: HTMLDialogElement) {
  const options = open.get(dialog);
  if (options?.beforeClose && !(await options.beforeClose())) return;
  closeDialog(dialog);
}

/** A yes/no question in its own alert dialog; resolves true for the confirming button. */
export function confirmDialog(dialog: HTMLDialogElement, yes: HTMLButtonElement, no: HTMLButtonElement): Promise<boolean> {
  return new Promise((resolve) => {
    const previous = document.activeElement as HTMLElement | null;
    let answer = false;
    const done = (value: boolean) => {
      answer = value;
      closeDialog(dialog);
    };
    const onYes = () => done(true);
    const onNo = () => done(false);
    yes.addEventListener("click", onYes, { once: true });
    no.addEventListener("click", onNo, { once: true });
    openDialog(
      dialog,
      {
        returnFocus: () => (answer ? null : previous),
        onClose: () => {
          yes.removeEventListener("click", onYes);
          no.removeEventListener("click", onNo);
          resolve(answer);
        },
      },
      no,
    );
  });
}
