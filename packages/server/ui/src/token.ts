import type { TokenPromptReason, TokenStore } from './api.js';
import { byId } from './dom.js';

const reasons: Readonly<Record<TokenPromptReason | 'change', string>> = {
  required: 'This server asks for an API token (API_TOKEN). Enter it once; it stays in this browser.',
  refused: 'The server refused the saved API token. Enter the current one.',
  change: 'The API token is sent with every request and on the live connection.',
};

/** The token dialog: asks for the API token and resolves with it, or null when cancelled. */
export function createTokenDialog(tokens: TokenStore) {
  const dialog = byId<HTMLDialogElement>('token-dialog');
  const input = byId<HTMLInputElement>('token-input');
  const reason = byId('token-reason');
  const forget = byId<HTMLButtonElement>('token-forget');

  const ask = (why: TokenPromptReason | 'change'): Promise<string | null> =>
    new Promise((resolve) => {
      reason.textContent = reasons[why];
      input.value = '';
      forget.hidden = tokens.get() === null;
      const onClose = () => {
        dialog.removeEventListener('close', onClose);
        const value = input.value.trim();
        input.value = '';
        resolve(dialog.returnValue === 'save' && value !== '' ? value : null);
      };
      dialog.addEventListener('close', onClose);
      dialog.returnValue = '';
      dialog.showModal();
      input.focus();
    });

  byId<HTMLButtonElement>('token-cancel').addEventListener('click', () => dialog.close('cancel'));
  forget.addEventListener('click', () => {
    tokens.set(null);
    dialog.close('forget');
  });

  return { ask };
}
