// The service worker's composition root: wires the wallet keeper, settings, library and capture
// store to chrome.storage, chrome.alarms, the context menu and the toolbar button. Listeners are
// registered synchronously at the top level, as Manifest V3 requires for a service worker that
// Chrome stops and restarts between events.
import { settingsStore } from '../settings.ts'
import { chromeStorageArea } from '../storage.ts'
import { walletKeeper } from '../wallet/wallet-keeper.ts'
import { capturePage, captureStore } from './capture.ts'
import { libraryStore } from './library.ts'
import { errorJson } from '../errors.ts'
import { backgroundRouter } from './router.ts'

const autoLockAlarm = 'datavault.auto-lock'
const menu = { tables: 'datavault.capture-tables', selection: 'datavault.capture-selection' } as const

const local = chromeStorageArea(chrome.storage.local)
const session = chromeStorageArea(chrome.storage.session)
const settings = settingsStore({ local })
const keeper = walletKeeper()({
  local,
  session,
  settings,
  now: Date.now,
  autoLockAlarm: {
    set: (when) => chrome.alarms.create(autoLockAlarm, { when }),
    clear: async () => void (await chrome.alarms.clear(autoLockAlarm)),
  },
})
const library = libraryStore({ local, keeper })
const captures = captureStore({ session })
const handle = backgroundRouter({ keeper, settings, library, captures })
const appUrl = chrome.runtime.getURL('app.html')

// Content scripts (none are declared, but a page the menu ran in is one) may never read the session.
void chrome.storage.session.setAccessLevel({ accessLevel: 'TRUSTED_CONTEXTS' })

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  // Only the extension's own pages talk to the background.
  if (sender.id !== chrome.runtime.id || !sender.url?.startsWith(chrome.runtime.getURL(''))) return undefined
  void handle(message).then(sendResponse)
  return true
})

chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === autoLockAlarm) void keeper.lockIfIdle()
})

chrome.runtime.onInstalled.addListener(() => {
  void chrome.contextMenus.removeAll().then(() => {
    chrome.contextMenus.create({ id: menu.tables, title: "Add this page's tables to my datavault", contexts: ['page', 'frame'] })
    chrome.contextMenus.create({ id: menu.selection, title: 'Add the selection to my datavault', contexts: ['selection'] })
  })
})

chrome.contextMenus.onClicked.addListener((info, tab) => {
  if (info.menuItemId !== menu.tables && info.menuItemId !== menu.selection) return
  void (async () => {
    try {
      if (tab?.id === undefined) throw new Error('no tab')
      const [injection] = await chrome.scripting.executeScript({
        target: { tabId: tab.id, frameIds: [info.frameId ?? 0] },
        func: capturePage,
        args: [info.menuItemId === menu.selection ? 'selection' : 'tables'],
      })
      await captures.put(injection?.result, { url: tab.url })
    } catch (error) {
      const failure = errorJson(error)
      await captures.fail(failure.code === 'INTERNAL' ? { code: 'CAPTURE_NOT_ALLOWED', message: 'The extension may not read this page (browser pages and the web store are off limits).' } : failure, { url: tab?.url })
    }
    await openApp('#/add?capture')
  })()
})

// The toolbar button opens the popup (manifest `action.default_popup`); it offers this same page in a tab.

/** Focuses the app's tab (at `hash`), or opens one. */
async function openApp(hash: string): Promise<void> {
  const [open] = await chrome.tabs.query({ url: `${appUrl}*` })
  if (open?.id !== undefined) {
    await chrome.tabs.update(open.id, { active: true, url: `${appUrl}${hash}` })
    await chrome.windows.update(open.windowId, { focused: true })
    return
  }
  await chrome.tabs.create({ url: `${appUrl}${hash}` })
}
